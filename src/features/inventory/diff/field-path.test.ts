import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendKey, identifierSegment, indexSegment, isPlainKey, parseFieldPath, renderScalar, valueSegment } from './field-path.ts';

describe('field paths', () => {
  it('joins plain keys with dots, starting bare at the root', () => {
    assert.equal(appendKey('', 'os'), 'os');
    assert.equal(appendKey('os', 'version'), 'os.version');
    assert.equal(appendKey('facts.features', 'hard-binding'), 'facts.features.hard-binding');
    assert.equal(appendKey('facts.mountpoints', '/boot'), 'facts.mountpoints./boot');
    assert.equal(appendKey('cluster.admins', '2fa'), 'cluster.admins.2fa');
    assert.equal(appendKey('custom', 'città'), 'custom.città');
  });

  it('quotes keys that would be ambiguous or unreadable bare', () => {
    assert.equal(appendKey('network.interfaces', 'eth0.10'), 'network.interfaces["eth0.10"]');
    assert.equal(appendKey('', 'a.b'), '["a.b"]');
    for (const key of ['', 'a b', 'a[0]', 'x]', 'say "hi"', 'back\\slash', 'tab\t', 'zero\u0000width\u200b']) {
      assert.equal(isPlainKey(key), false, key);
      assert.equal(appendKey('p', key), `p[${JSON.stringify(key)}]`);
    }
  });

  it('names array elements by index, identifier or value', () => {
    assert.equal(indexSegment(3), '[3]');
    assert.equal(identifierSegment('id', 'mail1'), '[id=mail1]');
    assert.equal(identifierSegment('id', 7), '[id=7]');
    assert.equal(identifierSegment('id', '7'), '[id="7"]');
    assert.equal(identifierSegment('name', 'ad.example.org'), '[name=ad.example.org]');
    assert.equal(identifierSegment('name', 'a]b'), '[name="a]b"]');
    assert.equal(valueSegment('8.8.8.8'), '[=8.8.8.8]');
    assert.equal(valueSegment(8), '[=8]');
    assert.equal(valueSegment('8'), '[="8"]');
    assert.equal(valueSegment(true), '[=true]');
    assert.equal(valueSegment('true'), '[="true"]');
    assert.equal(valueSegment(null), '[=null]');
    assert.equal(valueSegment(''), '[=""]');
    assert.equal(renderScalar('-1'), '"-1"');
    assert.equal(renderScalar('1.2.3'), '1.2.3');
    assert.equal(renderScalar('two words'), '"two words"');
  });

  it('parses every form back into its segments', () => {
    const path = `${appendKey('facts', 'modules')}[id=mail1].filter["anti.spam"][name="a]b"].list[=8.8.8.8][="1"][0]./`;
    assert.deepEqual(parseFieldPath(path), [
      { kind: 'key', key: 'facts' },
      { kind: 'key', key: 'modules' },
      { kind: 'element', text: 'id=mail1' },
      { kind: 'key', key: 'filter' },
      { kind: 'key', key: 'anti.spam' },
      { kind: 'element', text: 'name="a]b"' },
      { kind: 'key', key: 'list' },
      { kind: 'element', text: '=8.8.8.8' },
      { kind: 'element', text: '="1"' },
      { kind: 'element', text: '0' },
      { kind: 'key', key: '/' },
    ]);
    assert.deepEqual(parseFieldPath(''), []);
    assert.deepEqual(parseFieldPath('[0].a'), [
      { kind: 'element', text: '0' },
      { kind: 'key', key: 'a' },
    ]);
    assert.deepEqual(parseFieldPath('["a\\"b"]'), [{ kind: 'key', key: 'a"b' }]);
  });

  it('round-trips any key through appendKey and parseFieldPath', () => {
    for (const key of ['plain', 'eth0.10', '', ' ', '[x]', '"', '\\', 'é', '\u{1F600}', 'a=b', '*']) {
      assert.deepEqual(parseFieldPath(appendKey(appendKey('', 'root'), key)), [
        { kind: 'key', key: 'root' },
        { kind: 'key', key },
      ]);
    }
  });

  it('rejects malformed paths with the position', () => {
    for (const [path, reason] of [
      ['.a', /start with "\."/],
      ['a..b', /empty key/],
      ['a.', /empty key/],
      ['a[0', /missing "\]"/],
      ['a[]', /empty brackets/],
      ['a[0]b', /expected "\." or "\["/],
      ['a b', /must be quoted/],
      ['a["x"', /expected "\]"/],
      ['a["x]', /unterminated/],
      ['a["\\q"]', /invalid escape/],
    ] as const) {
      assert.throws(
        () => parseFieldPath(path),
        (error: Error) => error instanceof SyntaxError && reason.test(error.message),
        path,
      );
    }
  });
});
