import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { createSnapshotCache, parsedSizeOf } from './snapshot-cache.ts';

describe('snapshot cache', () => {
  it('is bounded by the estimated bytes of its entries, not their number', () => {
    const cache = createSnapshotCache<string, object>(parsedSizeOf(1000));
    for (let index = 0; index < 10; index++) cache.set(`small-${index}`, {}, { size: parsedSizeOf(10) });
    assert.equal(cache.size, 10);
    cache.set('large', {}, { size: parsedSizeOf(950) });
    assert.ok(cache.calculatedSize <= parsedSizeOf(1000));
    assert.ok(cache.has('large'));
    assert.ok(cache.size < 11, 'older entries made room');
    cache.set('too-large', {}, { size: parsedSizeOf(2000) });
    assert.equal(cache.has('too-large'), false, 'an entry larger than the whole cache is not kept');
  });

  it('keeps nothing at size 0', () => {
    const cache = createSnapshotCache<string, object>(0);
    cache.set('a', {}, { size: parsedSizeOf(1) });
    assert.equal(cache.size, 0);
  });
});

/** Many large inventories with many small keys (the case that once filled the heap) stay within INVENTORY_CACHE_SIZE. */
for (const kind of databaseKinds()) {
  describe(`inventory caches stay within INVENTORY_CACHE_SIZE (${kind})`, () => {
    const cacheSize = 8 * 1024 * 1024;
    const { database, t } = useTestMuster(kind, { env: { ROLES: 'api,worker', INVENTORY_CACHE_SIZE: String(cacheSize) } });

    it('counts each snapshot by its size and evicts to stay under the ceiling', async () => {
      const systems = await Promise.all(Array.from({ length: 4 }, () => t.createRegisteredSystem()));
      for (const [index, system] of systems.entries()) {
        const keys: Record<string, number> = {};
        for (let key = 0; key < 40_000; key++) keys[`k${key}`] = key + index;
        const response = await t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/inventory',
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          payload: JSON.stringify({ fqdn: `cache-${index}.example.com`, custom: keys }),
        });
        assert.equal(response.statusCode, 202, response.body);
        const memory = t.muster.inventory.memory();
        assert.ok(memory.inventory_received_cache.used <= memory.inventory_received_cache.limit);
      }
      for (const system of systems) await t.muster.inventory.process(system.id);
      const memory = t.muster.inventory.memory();
      assert.equal(memory.inventory_received_cache.limit + memory.inventory_snapshot_cache.limit, cacheSize);
      assert.ok(memory.inventory_snapshot_cache.used > 0, 'the latest snapshots are kept');
      assert.ok(memory.inventory_snapshot_cache.used <= memory.inventory_snapshot_cache.limit, 'within the ceiling');
      const latest = await database.db.query('SELECT count(*)::int AS count FROM inventory_records WHERE system_id = ANY($1::uuid[])', [
        systems.map((system) => system.id),
      ]);
      assert.equal(latest.rows[0]!.count, 4, 'every inventory processed');
    });
  });
}
