import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { faultyDb } from '../../../test/helpers/faulty-db.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';

for (const kind of databaseKinds()) {
  describe(`heartbeats when the database fails, and at shutdown (${kind})`, () => {
    let db: ReturnType<typeof faultyDb>;
    const { database, t } = useTestMuster(kind, {
      db: (plain) => (db = faultyDb(plain)),
      beforeClose: () => {
        db.down = false;
      },
    });

    it('answers 503 with Retry-After, never 200, while the database is down, and recovers', async () => {
      const cached = await t.createRegisteredSystem();
      const uncached = await t.createRegisteredSystem();
      assert.equal((await t.heartbeat(cached.basic)).statusCode, 200);
      const before = await database.db.query<{ last_heartbeat: Date }>('SELECT last_heartbeat FROM system_liveness WHERE system_id = $1', [cached.id]);

      db.down = true;
      t.clock.advance(60_000);
      const refused = await t.heartbeat(cached.basic);
      assert.equal(refused.statusCode, 503);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.deepEqual(refused.json(), { code: 503, message: 'failed to process heartbeat', data: null });

      const unverifiable = await t.heartbeat(uncached.basic);
      assert.equal(unverifiable.statusCode, 503);
      assert.equal(unverifiable.json().message, 'authentication temporarily unavailable');

      const health = await t.muster.app.inject({ method: 'GET', url: '/api/health' });
      assert.equal(health.statusCode, 503);
      assert.equal(health.json().message, 'service unhealthy');

      db.down = false;
      const after = await database.db.query<{ last_heartbeat: Date }>('SELECT last_heartbeat FROM system_liveness WHERE system_id = $1', [cached.id]);
      assert.deepEqual(after.rows, before.rows, 'the refused heartbeat left nothing behind');
      assert.equal((await t.heartbeat(cached.basic)).statusCode, 200);
      assert.equal((await t.heartbeat(uncached.basic)).statusCode, 200);
    });

    it('stores every heartbeat that was answered 200 when many arrive at once', async () => {
      const systems = await Promise.all(Array.from({ length: 20 }, () => t.createRegisteredSystem()));
      const responses = await Promise.all(systems.flatMap((system) => [t.heartbeat(system.basic), t.heartbeat(system.basic)]));
      assert.deepEqual(new Set(responses.map((response) => response.statusCode)), new Set([200]));
      const { rows } = await database.db.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM system_liveness WHERE system_id = ANY($1::uuid[]) AND status = 'active' AND last_heartbeat = $2",
        [systems.map((system) => system.id), t.clock.now()],
      );
      assert.equal(rows[0]!.count, systems.length);
      const listed = await t.admin.get('/api/v1/summary');
      assert.ok(listed.json().by_status.active >= systems.length);
    });
  });
}
