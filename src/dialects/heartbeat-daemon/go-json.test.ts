import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeStringStruct, goJsonStringify, keyMatchesField, readTopLevelMembers } from './go-json.ts';
import { atoi, parseIntBase0, parseUintBase0 } from './go-strconv.ts';

describe('Go encoding/json compatibility', () => {
  it('reads top-level members in document order, duplicates kept, nested values whole', () => {
    assert.deepEqual(readTopLevelMembers(' { "a" : 1 , "b":{"c":[1,"}",{"d":"\\""}]},"a":"x\\"y" ,"e":null,"f":-1.5e3,"g":true} '), [
      { key: 'a', value: 1 },
      { key: 'b', value: { c: [1, '}', { d: '"' }] } },
      { key: 'a', value: 'x"y' },
      { key: 'e', value: null },
      { key: 'f', value: -1500 },
      { key: 'g', value: true },
    ]);
    assert.deepEqual(readTopLevelMembers('{}'), []);
    assert.deepEqual(readTopLevelMembers('{"\\u0053tatus":"OK"}'), [{ key: 'Status', value: 'OK' }]);
    assert.equal(readTopLevelMembers('null'), 'null');
    assert.equal(readTopLevelMembers('[1]'), 'not-object');
    assert.equal(readTopLevelMembers('{"a":1'), 'syntax-error');
  });

  it('matches keys as bytes.EqualFold does', () => {
    assert.ok(keyMatchesField('timestamp', 'Timestamp'));
    assert.ok(keyMatchesField('TIMESTAMP', 'Timestamp'));
    assert.ok(keyMatchesField('\u017Ftatus', 'Status'));
    assert.ok(keyMatchesField('\u212Aey', 'Key'));
    assert.ok(!keyMatchesField('Time_stamp', 'Timestamp'));
    assert.ok(!keyMatchesField('Timestamp ', 'Timestamp'));
    assert.ok(!keyMatchesField('n\u0130d', 'NID')); // U+0130 does not fold to i
  });

  it('decodes a struct of strings: last key wins, null keeps, a non-string fails but decoding goes on', () => {
    const decoded = decodeStringStruct('{"A":"1","a":5,"b":"2","B":null}', ['A', 'B'] as const);
    assert.ok(decoded);
    assert.deepEqual(decoded.values, { A: '1', B: '2' });
    assert.equal(decoded.failed, true);
    assert.equal(decodeStringStruct('"x"', ['A']), null);
  });

  it('writes JSON as json.Marshal does', () => {
    assert.equal(goJsonStringify({ a: '<&>\u2028\u2029' }), '{"a":"\\u003c\\u0026\\u003e\\u2028\\u2029"}');
    assert.equal(goJsonStringify({ a: 'x\ud800y' }), '{"a":"x\\ufffdy"}');
    assert.equal(goJsonStringify({ a: '\\ud800' }), '{"a":"\\\\ud800"}'); // a literal backslash sequence stays
    assert.equal(goJsonStringify({ a: '\u{1F600}' }), '{"a":"\u{1F600}"}');
  });
});

describe('Go strconv compatibility', () => {
  it('ParseUint base 0 with a bit size', () => {
    assert.equal(parseUintBase0('4294967295', 32), 4294967295n);
    assert.equal(parseUintBase0('4294967296', 32), null);
    assert.equal(parseUintBase0('18446744073709551615', 64), 18446744073709551615n);
    assert.equal(parseUintBase0('0x', 32), null);
    assert.equal(parseUintBase0('0', 32), 0n);
    assert.equal(parseUintBase0('', 32), null);
  });

  it('ParseInt base 0 and Atoi', () => {
    assert.equal(parseIntBase0('-0x10', 64), -16n);
    assert.equal(parseIntBase0('-_1', 64), null);
    assert.equal(parseIntBase0('+0b1_1', 64), 3n);
    assert.equal(atoi('+12'), 12n);
    assert.equal(atoi('0x1'), null);
    assert.equal(atoi('9223372036854775808'), null);
    assert.equal(atoi(''), null);
  });
});
