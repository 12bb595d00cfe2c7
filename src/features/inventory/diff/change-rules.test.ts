import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ChangeRulesError, classifyChange, compileChangeRules, loadChangeRules, type ChangeRules } from './change-rules.ts';
import type { ChangeType } from '../../../domain/changes.ts';
import type { FieldChange } from './inventory-diff.ts';

type Json = Record<string, unknown>;

const change = (path: string, type: ChangeType, previous: unknown, current: unknown): FieldChange => ({ path, type, previous, current });
const update = (path: string, previous: unknown, current: unknown) => change(path, 'update', previous, current);

/** A rule with defaults for the fields a test does not care about. */
function rule(id: string, match: Json, verdict: Json = {}): Json {
  return { id, match, severity: 'low', significant: true, ...verdict };
}

function compile(document: Json): ChangeRules {
  return compileChangeRules(document, 'test.json');
}

const directory = mkdtempSync(path.join(tmpdir(), 'muster-rules-'));
after(() => rmSync(directory, { recursive: true, force: true }));

function fileWith(name: string, text: string): string {
  const file = path.join(directory, name);
  writeFileSync(file, text);
  return file;
}

describe('classifyChange', () => {
  const areas = [
    { category: 'security', paths: ['**.*firewall*.**'] },
    { category: 'os', paths: ['os.**'] },
    { category: 'features', paths: ['features.**'] },
  ];

  it('lets the first matching rule decide, in declared order', () => {
    const first = rule('version-high', { paths: ['os.version'] }, { severity: 'high' });
    const second = rule('os-anything', { paths: ['os.**'] }, { severity: 'medium' });
    const version = update('os.version', '9.2', '9.3');
    assert.equal(classifyChange(version, compile({ areas, rules: [first, second] })).rule, 'version-high');
    assert.equal(classifyChange(version, compile({ areas, rules: [second, first] })).rule, 'os-anything');
    assert.deepEqual(classifyChange(update('os.kernel', 'a', 'b'), compile({ areas, rules: [first, second] })), {
      category: 'os',
      severity: 'medium',
      significant: true,
      rule: 'os-anything',
    });
  });

  it("takes the rule's category when it names one, the area's otherwise, and system outside every area", () => {
    const rules = compile({ areas, rules: [rule('fixed', { paths: ['os.name'] }, { category: 'custom' }), rule('any', {})] });
    assert.equal(classifyChange(update('os.name', 'a', 'b'), rules).category, 'custom');
    assert.equal(classifyChange(update('os.kernel', 'a', 'b'), rules).category, 'os');
    assert.equal(classifyChange(update('features.firewall.enabled', true, false), rules).category, 'security');
    assert.equal(classifyChange(update('features.docker.enabled', true, false), rules).category, 'features');
    assert.equal(classifyChange(update('somewhere.else', 1, 2), rules).category, 'system');
  });

  it('answers low, significant, rule "default" in the area category when no rule matches', () => {
    const rules = compile({ areas, rules: [rule('never', { paths: ['nothing.here'] }, { severity: 'critical' })] });
    assert.deepEqual(classifyChange(update('os.version', '1', '2'), rules), { category: 'os', severity: 'low', significant: true, rule: 'default' });
  });

  it('requires every condition of a match to hold', () => {
    const rules = compile({
      areas,
      rules: [
        rule('typed', { paths: ['a'], types: ['delete'] }, { severity: 'critical' }),
        rule('in-area', { categories: ['security'], types: ['update'] }, { severity: 'high' }),
        rule('switched-on', { paths: ['features.*.enabled'], current_value_equals: true }, { severity: 'medium' }),
        rule('was-on', { paths: ['features.*.enabled'], previous_value_equals: true, current_value_equals: null }, { severity: 'medium' }),
        rule('rest', {}),
      ],
    });
    const ruleOf = (c: FieldChange) => classifyChange(c, rules).rule;
    assert.equal(ruleOf(change('a', 'delete', 1, null)), 'typed');
    assert.equal(ruleOf(change('a', 'update', 1, 2)), 'rest');
    assert.equal(ruleOf(update('x.firewall', 1, 2)), 'in-area');
    assert.equal(ruleOf(change('x.firewall', 'create', null, 2)), 'rest');
    assert.equal(ruleOf(update('features.docker.enabled', false, true)), 'switched-on');
    assert.equal(ruleOf(change('features.docker.enabled', 'create', null, true)), 'switched-on');
    assert.equal(ruleOf(update('features.docker.enabled', true, false)), 'rest');
    assert.equal(ruleOf(update('features.docker.enabled', 'true', 'false')), 'rest');
    assert.equal(ruleOf(change('features.docker.enabled', 'delete', true, null)), 'was-on');
  });

  it('measures numeric changes relative to the previous value, numeric strings included', () => {
    const rules = compile({ rules: [rule('jump', { numeric_change_over_percent: 20 }, { severity: 'medium' }), rule('rest', {})] });
    const ruleOf = (previous: unknown, current: unknown, type: ChangeType = 'update') => classifyChange(change('n', type, previous, current), rules).rule;
    assert.equal(ruleOf(100, 120), 'rest', 'exactly 20 % is not over 20 %');
    assert.equal(ruleOf(100, 121), 'jump');
    assert.equal(ruleOf(100, 79), 'jump');
    assert.equal(ruleOf(-100, -121), 'jump');
    assert.equal(ruleOf(0, 1), 'jump', 'anything from 0 is over');
    assert.equal(ruleOf(0.5, 0.55), 'rest');
    assert.equal(ruleOf('4', '8'), 'jump');
    assert.equal(ruleOf('4', 8), 'jump');
    assert.equal(ruleOf('9.2', '9.3'), 'rest');
    assert.equal(ruleOf('1.23.0', '1.24.0'), 'rest', 'versions are not numbers');
    assert.equal(ruleOf(true, false), 'rest');
    assert.equal(ruleOf(null, 100, 'create'), 'rest');
    assert.equal(ruleOf(100, null, 'delete'), 'rest');
  });

  it('matches array element paths and quoted keys', () => {
    const rules = compile({
      rules: [
        rule('module', { paths: ['facts.modules[*].version'] }, { category: 'modules' }),
        rule('vlan', { paths: ['network.interfaces["eth0.10"].*'] }, { category: 'network' }),
        rule('rest', {}),
      ],
    });
    assert.equal(classifyChange(update('facts.modules[id=mail1].version', '1', '2'), rules).rule, 'module');
    assert.equal(classifyChange(update('facts.modules.mail1.version', '1', '2'), rules).rule, 'rest');
    assert.equal(classifyChange(update('network.interfaces["eth0.10"].ip', 'a', 'b'), rules).rule, 'vlan');
  });

  it('is deterministic, whether the category comes from the cache or not', () => {
    const rules = compile({ areas, rules: [rule('rest', {})] });
    const c = update('features.firewall.type', 'iptables', 'nftables');
    const first = classifyChange(c, rules);
    assert.equal(rules.areaCache.get(c.path), 'security');
    assert.deepEqual(classifyChange(c, rules), first);
    rules.areaCache.clear();
    assert.deepEqual(classifyChange(c, rules), first);
  });

  it('matches a path outside the grammar as one opaque key', () => {
    const rules = compile({ rules: [rule('odd', { paths: ['["a b"]'] }), rule('rest', {})] });
    assert.equal(classifyChange(update('a b', 1, 2), rules).rule, 'odd');
  });
});

describe('loadChangeRules', () => {
  it('reads, validates and compiles a file, ignoring $ fields', () => {
    const file = fileWith(
      'ok.json',
      JSON.stringify({
        $comment: ['several', 'lines'],
        version: 1,
        areas: [{ $comment: 'x', category: 'os', paths: ['os.**'] }],
        rules: [{ $note: 1, ...rule('os-version', { paths: ['os.version'], types: ['update'] }, { severity: 'high', description: 'upgrade' }) }],
      }),
    );
    const rules = loadChangeRules(file);
    assert.equal(rules.source, file);
    assert.equal(rules.rules.length, 1);
    assert.equal(rules.rules[0]!.description, 'upgrade');
    assert.deepEqual(classifyChange(update('os.version', '9.2', '9.3'), rules), { category: 'os', severity: 'high', significant: true, rule: 'os-version' });
    assert.ok(Object.isFrozen(rules) && Object.isFrozen(rules.rules) && Object.isFrozen(rules.rules[0]));
  });

  it('names the file when it cannot be read or is not JSON', () => {
    const missing = path.join(directory, 'missing.json');
    assert.throws(
      () => loadChangeRules(missing),
      (error: Error) => error instanceof ChangeRulesError && error.message.includes(missing),
    );
    const broken = fileWith('broken.json', '{"rules": [');
    assert.throws(
      () => loadChangeRules(broken),
      (error: Error) => error instanceof ChangeRulesError && /broken\.json is not valid JSON/.test(error.message),
    );
  });

  it('names the entry and the field of every mistake', () => {
    const good = rule('good', { paths: ['a'] });
    const cases: [string, unknown, RegExp][] = [
      ['not an object', [], /the document: must be an object/],
      ['no rules', {}, /rules: must be an array, got nothing/],
      ['empty rules', { rules: [] }, /rules: must list at least one rule/],
      ['unknown top-level field', { rules: [good], rule: [] }, /the document: unknown field "rule"/],
      ['wrong version', { version: 2, rules: [good] }, /version: must be 1, got 2/],
      ['rule not an object', { rules: [good, 'x'] }, /rules\[1\]: must be an object, got "x"/],
      ['bad id', { rules: [{ ...good, id: 'Bad Id' }] }, /rules\[0\]\.id: must be lower-case/],
      ['missing id', { rules: [{ match: {}, severity: 'low', significant: true }] }, /rules\[0\]\.id: .*got nothing/],
      ['duplicate id', { rules: [good, rule('other', {}), good] }, /rules\[2\]\.id: "good" is already the id of rules\[0\]/],
      ['reserved id', { rules: [rule('default', {})] }, /rules\[0\]\.id: "default" is reserved/],
      [
        'missing severity',
        { rules: [{ id: 'x', match: {}, significant: true }] },
        /rules\[0\] \(x\)\.severity: must be one of low, medium, high, critical, got nothing/,
      ],
      ['bad severity', { rules: [rule('x', {}, { severity: 'urgent' })] }, /rules\[0\] \(x\)\.severity: .*got "urgent"/],
      ['bad category', { rules: [rule('x', {}, { category: 'disks' })] }, /rules\[0\] \(x\)\.category: must be one of os, hardware/],
      ['significant not boolean', { rules: [rule('x', {}, { significant: 'yes' })] }, /rules\[0\] \(x\)\.significant: must be true or false, got "yes"/],
      ['bad description', { rules: [rule('x', {}, { description: 3 })] }, /rules\[0\] \(x\)\.description: must be a string/],
      ['unknown rule field', { rules: [rule('x', {}, { severty: 'low' })] }, /rules\[0\] \(x\): unknown field "severty"/],
      ['missing match', { rules: [{ id: 'x', severity: 'low', significant: true }] }, /rules\[0\] \(x\)\.match: must be an object, got nothing/],
      ['unknown match field', { rules: [rule('x', { path: ['a'] })] }, /rules\[0\] \(x\)\.match: unknown field "path"/],
      ['empty paths', { rules: [rule('x', { paths: [] })] }, /rules\[0\] \(x\)\.match\.paths: must not be empty/],
      ['non-string path', { rules: [rule('x', { paths: ['a', 3] })] }, /rules\[0\] \(x\)\.match\.paths\[1\]: must be a non-empty string, got 3/],
      ['bad pattern', { rules: [good, rule('x', { paths: ['a', 'b..c'] })] }, /rules\[1\] \(x\)\.match\.paths\[1\]: invalid path "b\.\.c"/],
      [
        'bad type',
        { rules: [rule('x', { types: ['update', 'change'] })] },
        /rules\[0\] \(x\)\.match\.types\[1\]: must be one of create, update, delete, got "change"/,
      ],
      ['bad match category', { rules: [rule('x', { categories: ['nope'] })] }, /rules\[0\] \(x\)\.match\.categories\[0\]: must be one of/],
      [
        'negative percent',
        { rules: [rule('x', { numeric_change_over_percent: -5 })] },
        /rules\[0\] \(x\)\.match\.numeric_change_over_percent: must be a number of 0 or more, got -5/,
      ],
      ['percent as text', { rules: [rule('x', { numeric_change_over_percent: '20' })] }, /numeric_change_over_percent: .*got "20"/],
      [
        'object to compare with',
        { rules: [rule('x', { current_value_equals: { a: 1 } })] },
        /rules\[0\] \(x\)\.match\.current_value_equals: must be a string, number, boolean or null/,
      ],
      ['areas not a list', { areas: {}, rules: [good] }, /areas: must be an array/],
      ['area bad category', { areas: [{ category: 'disks', paths: ['a'] }], rules: [good] }, /areas\[0\]\.category: must be one of/],
      ['area without paths', { areas: [{ category: 'os' }], rules: [good] }, /areas\[0\]\.paths: must be an array, got nothing/],
      ['area bad pattern', { areas: [{ category: 'os', paths: ['os[*'] }], rules: [good] }, /areas\[0\]\.paths\[0\]: invalid path/],
      [
        'unreachable rule',
        { rules: [good, rule('everything', { paths: ['x', '**'] }), rule('after', {})] },
        /rules\[2\] \(after\) can never match: rules\[1\] \(everything\)/,
      ],
    ];
    for (const [name, document, message] of cases) {
      assert.throws(
        () => compileChangeRules(document, 'bad.json'),
        (error: Error) => error instanceof ChangeRulesError && error.message.startsWith('rules file bad.json: ') && message.test(error.message),
        name,
      );
    }
  });

  it('accepts an empty match as the last rule', () => {
    const rules = compile({ rules: [rule('a', { paths: ['x'] }), rule('everything', {}, { severity: 'medium' })] });
    assert.equal(classifyChange(update('y', 1, 2), rules).rule, 'everything');
  });
});
