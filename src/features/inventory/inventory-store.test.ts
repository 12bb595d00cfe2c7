import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { createInventoryStore } from './inventory-store.ts';

for (const kind of databaseKinds()) {
  describe(`inventory store: a processing round's share of waiting inventories (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { ROLES: 'api' } });

    it('takes waiting inventories in receive order up to a count and a number of bytes, at least one, and tells whether more wait', async () => {
      const system = await t.createRegisteredSystem();
      const sizes: number[] = [];
      for (let index = 0; index < 5; index++) {
        const payload = JSON.stringify({ fqdn: 'round.example.com', custom: { index, padding: 'x'.repeat(1000 * (index + 1)) } });
        sizes.push(Buffer.byteLength(payload));
        const response = await t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/inventory',
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          payload,
        });
        assert.equal(response.statusCode, 202);
      }
      const take = (count: number, bytes: number) => createInventoryStore().pendingUploads(database.db, [system.id], { count, bytes });

      const all = await take(10, 1e9);
      assert.deepEqual(
        all.uploads.map((upload) => upload.size),
        sizes,
      );
      assert.equal(all.more, false);

      const byBytes = await take(10, sizes[0]! + sizes[1]!);
      assert.deepEqual(
        byBytes.uploads.map((upload) => upload.size),
        sizes.slice(0, 2),
      );
      assert.equal(byBytes.more, true);

      const byCount = await take(3, 1e9);
      assert.equal(byCount.uploads.length, 3);
      assert.equal(byCount.more, true);

      const alone = await take(10, 1);
      assert.equal(alone.uploads.length, 1, 'one larger than the budget is taken alone');
      assert.equal(alone.more, true);
    });
  });
}
