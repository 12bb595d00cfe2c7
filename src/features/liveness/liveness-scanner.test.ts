import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { insertSystems } from '../../../test/helpers/seeded-systems.ts';
import { databaseKinds, openTestDatabase } from '../../../test/helpers/test-databases.ts';
import { ManualClock } from '../../clock/clock.ts';
import { createMetrics } from '../../metrics/metrics.ts';
import { createLivenessScanner } from './liveness-scanner.ts';
import { createLivenessStore } from './liveness-store.ts';

for (const kind of databaseKinds()) {
  describe(`liveness scanner batches (${kind})`, () => {
    it('works through a backlog batch by batch, and ends after the current batch once the node stops', async () => {
      const database = await openTestDatabase(kind);
      try {
        const { db } = database;
        const clock = new ManualClock('2026-12-02T10:00:00.000Z');
        await insertSystems(db, 7, clock.now());
        // All seven active, their last beat long past the timeout: all due now.
        await db.query("UPDATE system_liveness SET status = 'active', last_heartbeat = $1, next_check_at = $1", [new Date(clock.now().getTime() - 3_600_000)]);
        const scanner = createLivenessScanner({
          db,
          store: createLivenessStore(db),
          clock,
          defaults: { timeoutSeconds: 600, warningSeconds: 0 },
          logger: pino({ level: 'silent' }),
          metrics: createMetrics(),
          batchSize: 3,
        });
        const inactive = async () =>
          (await db.query<{ count: number }>("SELECT count(*)::int AS count FROM system_liveness WHERE status = 'inactive'")).rows[0]!.count;

        const stopping = new AbortController();
        stopping.abort();
        assert.equal(await scanner.runOnce(stopping.signal), 3, 'one batch, then it stops');
        assert.equal(await inactive(), 3);
        assert.equal(await scanner.runOnce(), 4, 'the next scan takes the rest');
        assert.equal(await inactive(), 7);
      } finally {
        await database.dispose();
      }
    });
  });
}
