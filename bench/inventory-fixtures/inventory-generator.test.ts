import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractSystemIdentity } from '../../src/features/inventory/system-identity/system-identity.ts';
import { createInventoryGenerator, fixture, INVENTORY_FLAVOURS, TARGET_INVENTORY_BYTES, type InventoryFlavour } from './inventory-generator.ts';
import { identifierOf, isObject } from './inventory-mutations.ts';

const LOW = TARGET_INVENTORY_BYTES * 0.85;
const HIGH = TARGET_INVENTORY_BYTES * 1.15;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

interface Change {
  path: string;
  type: 'create' | 'update' | 'delete';
}

/**
 * Leaf changes as SPEC §5 counts them: an added or removed member is one change, and array
 * elements are matched by their identifier, so a reordered list is no change at all.
 */
function diff(before: unknown, after: unknown, path = ''): Change[] {
  if (isObject(before) && isObject(after)) return diffMembers(toEntries(before), toEntries(after), path);
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = identifierOf(before) !== null && identifierOf(before) === identifierOf(after) ? identifierOf(before) : null;
    if (key !== null) {
      const byId = (items: unknown[]) => new Map(items.map((item) => [String((item as Record<string, unknown>)[key]), item]));
      return diffMembers(byId(before), byId(after), path);
    }
    return diffMembers(new Map(before.map((item, i) => [String(i), item])), new Map(after.map((item, i) => [String(i), item])), path);
  }
  return Object.is(before, after) ? [] : [{ path, type: 'update' }];
}

function diffMembers(before: Map<string, unknown>, after: Map<string, unknown>, path: string): Change[] {
  const changes: Change[] = [];
  for (const [key, value] of before) {
    const child = path === '' ? key : `${path}.${key}`;
    if (!after.has(key)) changes.push({ path: child, type: 'delete' });
    else changes.push(...diff(value, after.get(key), child));
  }
  for (const key of after.keys()) if (!before.has(key)) changes.push({ path: path === '' ? key : `${path}.${key}`, type: 'create' });
  return changes;
}

const toEntries = (value: Record<string, unknown>) => new Map(Object.entries(value));

/** The identifier sequence of every identified list, to tell a reordering apart. */
function listOrders(value: unknown, path = '', orders = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) {
    const key = identifierOf(value);
    if (key !== null) orders.set(path, value.map((item) => String((item as Record<string, unknown>)[key])).join(','));
    value.forEach((item, i) => listOrders(item, `${path}[${i}]`, orders));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) listOrders(child, `${path}.${key}`, orders);
  }
  return orders;
}

describe('createInventoryGenerator', () => {
  for (const flavour of INVENTORY_FLAVOURS) {
    describe(flavour, () => {
      it('builds inventories of about 16 KB', () => {
        for (let seed = 1; seed <= 25; seed++) {
          const size = bytes(createInventoryGenerator({ seed, flavour }).initial());
          assert.ok(size >= LOW && size <= HIGH, `seed ${seed}: ${size} bytes`);
        }
      });

      it('is deterministic: the same seed gives the same inventories, another seed others', () => {
        const run = (seed: number) => {
          const generator = createInventoryGenerator({ seed, flavour });
          const snapshots = [generator.initial()];
          for (let i = 0; i < 25; i++) snapshots.push(generator.next(snapshots.at(-1)!));
          return JSON.stringify(snapshots);
        };
        assert.equal(run(42), run(42));
        assert.notEqual(run(42), run(43));
      });

      it('changes 1 to 5 values per round, leaves the previous snapshot alone and stays near 16 KB', () => {
        const generator = createInventoryGenerator({ seed: 7, flavour });
        let previous = generator.initial();
        const seen = { create: 0, delete: 0, version: 0, reorder: 0 };
        for (let round = 0; round < 400; round++) {
          const frozen = JSON.stringify(previous);
          const next = generator.next(previous);
          assert.equal(JSON.stringify(previous), frozen, `round ${round}: previous was modified`);
          assert.notEqual(next, previous);
          const changes = diff(previous, next);
          assert.ok(changes.length >= 1 && changes.length <= 5, `round ${round}: ${JSON.stringify(changes)}`);
          const size = bytes(next);
          assert.ok(size >= LOW && size <= HIGH, `round ${round}: ${size} bytes`);
          seen.create += changes.filter((change) => change.type === 'create').length;
          seen.delete += changes.filter((change) => change.type === 'delete').length;
          seen.version += changes.filter((change) => /(^|\.)version$/.test(change.path)).length;
          const before = listOrders(previous);
          if ([...listOrders(next)].some(([path, order]) => before.has(path) && before.get(path) !== order)) seen.reorder++;
          previous = next;
        }
        for (const [what, count] of Object.entries(seen)) assert.ok(count > 0, `never saw a ${what}`);
      });
    });
  }

  it('does not throw on an inventory it did not make', () => {
    const generator = createInventoryGenerator({ seed: 1, flavour: 'ns8' });
    assert.deepEqual(generator.next({}), {});
    assert.doesNotThrow(() => generator.next({ facts: { modules: 'none', nodes: [1, 2] } }));
  });

  it('rejects an unknown flavour', () => {
    assert.throws(() => createInventoryGenerator({ seed: 1, flavour: 'windows' as InventoryFlavour }), /unknown inventory flavour/);
  });
});

describe('fixture', () => {
  const expected: Record<InventoryFlavour, { type: string; addresses: boolean }> = {
    generic: { type: 'linux', addresses: true },
    ns8: { type: 'ns8', addresses: true },
    nsec: { type: 'nsec', addresses: false },
  };

  for (const flavour of INVENTORY_FLAVOURS) {
    it(`gives the same ${flavour} example every time, as a copy of its own`, () => {
      const first = fixture(flavour);
      assert.deepEqual(fixture(flavour), first);
      first.tampered = true;
      assert.equal(fixture(flavour).tampered, undefined);
      const size = bytes(first);
      assert.ok(size >= LOW && size <= HIGH, `${size} bytes`);
    });

    it(`summarizes the ${flavour} example`, () => {
      const summary = extractSystemIdentity(fixture(flavour));
      assert.equal(summary.type, expected[flavour].type);
      assert.ok(summary.version && summary.os, JSON.stringify(summary));
      if (expected[flavour].addresses) assert.ok(summary.fqdn && summary.ipv4Address && summary.ipv6Address, JSON.stringify(summary));
    });
  }
});
