import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, inventoryHash, writeCanonicalJson } from './canonical-json.ts';
import { identifierSegment, indexSegment, parseFieldPath, valueSegment, type ScalarValue } from './field-path.ts';
import { DEFAULT_IDENTIFIER_KEYS, diffInventories, type FieldChange } from './inventory-diff.ts';

type Json = Record<string, unknown>;

/**
 * Values shaped like inventories, from small domains so that two of them drawn independently
 * share most of their structure: the same keys, lists of objects with the same ids, sets of the
 * same scalars. That is where the diff has work to do.
 */
const scalar = fc.oneof(fc.constantFrom(null, true, false, 0, 1, -1.5, '', 'x', '1', 'a b', '9.3'), fc.integer({ min: -3, max: 3 }));
const { inventoryValue } = fc.letrec<{ inventoryValue: unknown; object: Json; list: unknown[] }>((tie) => ({
  inventoryValue: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('object'), tie('list')),
  object: fc.dictionary(fc.constantFrom('a', 'b', 'os', 'version', 'id', 'name', 'with space', 'dot.ted', '__proto__'), tie('inventoryValue'), { maxKeys: 5 }),
  list: fc.oneof(
    fc.array(scalar, { maxLength: 5 }),
    // Identified elements, as appliances list services and modules.
    fc
      .uniqueArray(fc.constantFrom('mail1', 'dns', 'web', 7, '7'), { maxLength: 4 })
      .chain((ids) =>
        fc.tuple(...ids.map((id) => fc.dictionary(fc.constantFrom('version', 'state'), scalar, { maxKeys: 2 }).map((rest) => ({ ...rest, id })))),
      ),
    fc.array(tie('inventoryValue'), { maxLength: 3 }),
  ),
}));
// Through JSON, as inventories arrive: plain objects, `__proto__` an own key like any other.
const rootObject = fc
  .dictionary(fc.constantFrom('a', 'b', 'os', 'services', 'facts'), inventoryValue, { maxKeys: 5 })
  .map((value) => JSON.parse(JSON.stringify(value)) as Json);

/** A deep copy with every object's keys in another order (the seed picks it). */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, index) => shuffleKeys(item, seed + index));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  const rotated = entries.map((_, index) => entries[(index + seed) % entries.length]!);
  if (seed % 2 === 1) rotated.reverse();
  const copy: Json = {};
  for (const [key, item] of rotated)
    Object.defineProperty(copy, key, { value: shuffleKeys(item, (seed * 31 + 7) % 1_000_003), enumerable: true, writable: true, configurable: true });
  return copy;
}

/** The same value with every array's elements in canonical order: what the diff ignores. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value))
    return value.map(normalize).sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : canonicalJson(a) > canonicalJson(b) ? 1 : 0));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Json = {};
  for (const [key, item] of Object.entries(value))
    Object.defineProperty(copy, key, { value: normalize(item), enumerable: true, writable: true, configurable: true });
  return copy;
}

/** The segment that names `element` at `index` in `array`, as the diff would write it: `[2]`, `[id=web]`, `[=x]`. */
function segmentMatches(array: unknown[], index: number, text: string): boolean {
  const element = array[index];
  const written = `[${text}]`;
  if (written === indexSegment(index)) return true;
  if (text.startsWith('=')) return (typeof element !== 'object' || element === null) && valueSegment(element as ScalarValue) === written;
  if (typeof element !== 'object' || element === null || Array.isArray(element)) return false;
  return DEFAULT_IDENTIFIER_KEYS.some((key) => {
    const id = (element as Json)[key];
    return (typeof id === 'string' || typeof id === 'number') && Object.hasOwn(element, key) && identifierSegment(key, id) === written;
  });
}

/** Applies reported changes to a copy of `previous`, reading their paths as field-path.ts defines them. */
function applyChanges(previous: unknown, changes: readonly FieldChange[]): unknown {
  let root = structuredClone(previous);
  const removals: [unknown[], number][] = [];
  for (const change of changes) {
    const segments = parseFieldPath(change.path);
    if (segments.length === 0) {
      root = structuredClone(change.current);
      continue;
    }
    let parent: unknown = root;
    for (const segment of segments.slice(0, -1)) {
      parent =
        segment.kind === 'key'
          ? (parent as Json)[segment.key]
          : (parent as unknown[])[(parent as unknown[]).findIndex((_, index) => segmentMatches(parent as unknown[], index, segment.text))];
    }
    const last = segments.at(-1)!;
    const value = structuredClone(change.current);
    if (last.kind === 'key') {
      if (change.type === 'delete') delete (parent as Json)[last.key];
      else Object.defineProperty(parent, last.key, { value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const array = parent as unknown[];
    const index = array.findIndex((_, at) => segmentMatches(array, at, last.text));
    // Deletions wait until every change is applied: they would shift the indexes of the others.
    if (change.type === 'delete') removals.push([array, index]);
    else if (change.type === 'update') array[index] = value;
    else if (/^\d+$/.test(last.text)) array[Number(last.text)] = value;
    else array.push(value);
  }
  for (const [array, index] of removals.sort((a, b) => b[1] - a[1])) array.splice(index, 1);
  return root;
}

describe('diffInventories, properties', () => {
  it('a value diffed with itself, or with a copy in another key order, has no changes', () => {
    fc.assert(
      fc.property(rootObject, fc.nat(), (value, seed) => {
        assert.deepEqual(diffInventories(value, value), { changes: [], limited: null });
        assert.deepEqual(diffInventories(value, shuffleKeys(value, seed)), { changes: [], limited: null });
      }),
      { numRuns: 1000, seed: 21 },
    );
  });

  it('applying the reported changes to the previous value gives the current one (array order aside, which the diff ignores)', () => {
    fc.assert(
      fc.property(rootObject, rootObject, (previous, current) => {
        const { changes, limited } = diffInventories(previous, current);
        assert.equal(limited, null);
        assert.deepEqual(normalize(applyChanges(previous, changes)), normalize(current));
      }),
      { numRuns: 2000, seed: 22 },
    );
  });

  it('changes are listed once each, in path order, and do not depend on key order', () => {
    fc.assert(
      fc.property(rootObject, rootObject, fc.nat(), (previous, current, seed) => {
        const { changes } = diffInventories(previous, current);
        const paths = changes.map((change) => change.path);
        assert.deepEqual(paths, [...new Set(paths)].sort());
        assert.deepEqual(diffInventories(shuffleKeys(previous, seed), shuffleKeys(current, seed + 1)).changes, changes);
        for (const change of changes) {
          if (change.type === 'create') assert.equal(change.previous, null);
          if (change.type === 'delete') assert.equal(change.current, null);
        }
      }),
      { numRuns: 1000, seed: 23 },
    );
  });

  it('a subtree deeper than maxDepth is reported whole, once, and the report says so', () => {
    fc.assert(
      fc.property(rootObject, rootObject, fc.integer({ min: 0, max: 3 }), (previous, current, maxDepth) => {
        const limitedResult = diffInventories(previous, current, { maxDepth });
        const full = diffInventories(previous, current);
        assert.equal(limitedResult.changes.length === 0, full.changes.length === 0);
        for (const change of limitedResult.changes) assert.ok(parseFieldPath(change.path).length <= maxDepth + 1, change.path);
        assert.deepEqual(normalize(applyChanges(previous, limitedResult.changes)), normalize(current));
        if (limitedResult.limited) assert.equal(limitedResult.limited.reason, 'max_depth');
      }),
      { numRuns: 1000, seed: 24 },
    );
  });
});

describe('canonical JSON, properties', () => {
  const values = fc.jsonValue({ maxDepth: 6, stringUnit: 'binary' }).map((value) => JSON.parse(JSON.stringify(value)) as unknown);

  it('the hash does not depend on key order, and both writers give the same text', () => {
    fc.assert(
      fc.property(values, fc.nat(), (value, seed) => {
        const text = canonicalJson(value);
        assert.equal(writeCanonicalJson(value), text);
        assert.equal(canonicalJson(shuffleKeys(value, seed)), text);
        assert.equal(inventoryHash(shuffleKeys(value, seed)), inventoryHash(value));
        assert.deepEqual(JSON.parse(text), JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 2000, seed: 25 },
    );
  });
});
