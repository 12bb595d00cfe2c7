import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertSystems } from '../../../test/helpers/seeded-systems.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';

for (const kind of databaseKinds()) {
  describe(`liveness alerts while the node stops (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { ROLES: 'api' } });

    it('ends after the current transaction once told the node stops, and the next run takes the rest', async () => {
      const { db } = database;
      const now = t.clock.now();
      const { organizationId, ids } = await insertSystems(db, 520, now);
      // 520 systems gone to warning at once: more than one transaction's worth (500).
      await db.query(
        `INSERT INTO liveness_events (system_id, organization_id, from_status, to_status, occurred_at, recorded_at)
         SELECT id, $1, 'active', 'warning', $2, $2 FROM unnest($3::uuid[]) AS ids (id)`,
        [organizationId, now, ids],
      );
      const raised = async () =>
        (await db.query<{ count: number }>('SELECT count(*)::int AS count FROM alerts WHERE organization_id = $1', [organizationId])).rows[0]!.count;

      const stopping = new AbortController();
      stopping.abort();
      assert.equal(await t.muster.alerts.processLivenessEvents(stopping.signal), 500);
      assert.equal(await raised(), 500);
      assert.equal(await t.muster.alerts.processLivenessEvents(), 20);
      assert.equal(await raised(), 520);
    });
  });
}
