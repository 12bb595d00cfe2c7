import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson, inventoryHash, writeCanonicalJson } from './canonical-json.ts';
import { genericInventory, ns8Inventory, nsecInventory } from '../../../../test/fixtures/sample-inventories.ts';

/** Both ways to the text, which must always agree. */
function both(value: unknown): string {
  const fast = canonicalJson(value);
  assert.equal(writeCanonicalJson(value), fast);
  return fast;
}

/** A small deterministic PRNG (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEY_POOL = ['a', 'b', 'Z', '_x', '10', '9', '0', '/', '/boot', 'é', 'key with space', 'dot.ted', '"q"', '', 'ü', '\u{1F600}'];

function randomValue(next: () => number, depth: number): unknown {
  const pick = next();
  if (depth > 4 || pick < 0.35) {
    const scalars = [null, true, false, 0, -1.5, 1e21, 42, 'text', 'quote " and \\ and \n', '\u2028', 'é'];
    return scalars[Math.floor(next() * scalars.length)];
  }
  if (pick < 0.6) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) object[KEY_POOL[Math.floor(next() * KEY_POOL.length)]!] = randomValue(next, depth + 1);
  return object;
}

/** The same value with every object's keys inserted in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value).reverse()) copy[key] = reversedKeys((value as Record<string, unknown>)[key]);
  return copy;
}

describe('canonicalJson', () => {
  it('sorts object keys at every level, keeps array order and writes no whitespace', () => {
    const value = { b: 1, a: { d: [3, { z: 1, y: [2, 1] }], c: null }, e: 'x y' };
    assert.equal(both(value), '{"a":{"c":null,"d":[3,{"y":[2,1],"z":1}]},"b":1,"e":"x y"}');
  });

  it('gives the same text whatever the key order', () => {
    for (const inventory of [genericInventory(), ns8Inventory(), nsecInventory()]) {
      assert.equal(both(reversedKeys(inventory)), both(inventory));
      assert.deepEqual(JSON.parse(both(inventory)), inventory);
    }
  });

  it('orders keys by UTF-16 code units, integer-like keys included, on both paths', () => {
    // The engine lists "9" before "10" in an object; the canonical order is by code units.
    const value = { a: 3, '10': 1, '9': 2, '/': 0, é: 5, B: 4 };
    assert.equal(both(value), '{"/":0,"10":1,"9":2,"B":4,"a":3,"é":5}');
    assert.equal(both({ nodes: { '2': 'b', '1': 'a' } }), '{"nodes":{"1":"a","2":"b"}}');
  });

  it('keeps a "__proto__" key that came from JSON', () => {
    const value: unknown = JSON.parse('{"z":1,"__proto__":{"polluted":true}}');
    assert.equal(both(value), '{"__proto__":{"polluted":true},"z":1}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('writes strings and numbers exactly as JSON.stringify does', () => {
    const strings = ['', 'plain', 'quote " backslash \\', 'line\nbreak\ttab', '\u0000\u001f', '\u2028\u2029', 'é 日本 \u{1F600}', '\ud800 lone'];
    for (const text of strings) assert.equal(both({ text }), `{"text":${JSON.stringify(text)}}`);
    for (const number of [0, -0, 1, -1.5, 0.1, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, 5e-324]) {
      assert.equal(both([number]), `[${JSON.stringify(number)}]`);
    }
  });

  it('follows JSON.stringify for values JSON cannot hold', () => {
    const date = new Date('2025-11-07T10:37:27.360Z');
    const value = {
      gone: undefined,
      fn: () => 1,
      symbol: Symbol('s'),
      list: [undefined, () => 1, Number.NaN, Number.POSITIVE_INFINITY],
      date,
      custom: { toJSON: (key: string) => ({ key, b: 2, a: 1 }) },
    };
    assert.equal(both(value), '{"custom":{"a":1,"b":2,"key":"custom"},"date":"2025-11-07T10:37:27.360Z","list":[null,null,null,null]}');
    assert.equal(both(date), '"2025-11-07T10:37:27.360Z"');
    const twice = { a: { toJSON: () => ({ x: 1, toJSON: () => 'called twice' }) } };
    assert.equal(both(twice), JSON.stringify(twice));
    const callable = Object.assign(() => 0, { toJSON: () => 'from a function' });
    assert.equal(both({ callable, list: [callable] }), JSON.stringify({ callable, list: [callable] }));
    assert.equal(both('top'), '"top"');
    assert.equal(both(null), 'null');
  });

  it('throws a TypeError for cycles, BigInts and a top-level value without JSON form', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    assert.throws(() => canonicalJson(cyclic), TypeError);
    assert.throws(() => writeCanonicalJson(cyclic), TypeError);
    assert.throws(() => canonicalJson({ big: 1n }), TypeError);
    assert.throws(() => writeCanonicalJson([1n]), TypeError);
    assert.throws(() => canonicalJson(undefined), TypeError);
    assert.throws(() => canonicalJson(() => 1), TypeError);
  });

  it('accepts a repeated (not cyclic) subtree', () => {
    const shared = { x: 1 };
    assert.equal(both({ b: shared, a: [shared, shared] }), '{"a":[{"x":1},{"x":1}],"b":{"x":1}}');
  });

  it('handles nesting far deeper than the call stack allows', () => {
    const depth = 200_000;
    let value: unknown = { leaf: true };
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { k: value };
    const text = canonicalJson(value);
    assert.equal(text.length, '{"leaf":true}'.length + (depth / 2) * ('[]'.length + '{"k":}'.length));
    assert.ok(text.startsWith('{"k":[{"k":['));
    assert.equal(canonicalJson(JSON.parse(text)), text);
  });

  it('agrees between its two paths and with JSON.parse on generated documents', () => {
    const next = random(20251107);
    for (let round = 0; round < 500; round++) {
      const value = randomValue(next, 0);
      const text = both(value);
      assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
      assert.equal(both(reversedKeys(value)), text);
    }
  });
});

describe('inventoryHash', () => {
  it('is the hex SHA-256 of the canonical JSON', () => {
    assert.equal(inventoryHash({}), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    const inventory = ns8Inventory();
    assert.equal(inventoryHash(inventory), createHash('sha256').update(canonicalJson(inventory)).digest('hex'));
    assert.match(inventoryHash(inventory), /^[0-9a-f]{64}$/);
  });

  it('ignores key order and whitespace but not values or array order', () => {
    const text = JSON.stringify(nsecInventory());
    const spaced = JSON.stringify(reversedKeys(nsecInventory()), null, 2);
    assert.equal(inventoryHash(JSON.parse(spaced)), inventoryHash(JSON.parse(text)));

    const changed = nsecInventory();
    (changed.facts as { fqdn: string }).fqdn = 'fw2.example.org';
    assert.notEqual(inventoryHash(changed), inventoryHash(nsecInventory()));
    assert.notEqual(inventoryHash({ list: [1, 2] }), inventoryHash({ list: [2, 1] }));
  });
});
