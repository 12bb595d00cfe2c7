import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { startTestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';

const MINUTE = 60_000;

for (const kind of databaseKinds()) {
  describe(`liveness: heartbeats, thresholds and transition events (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { HEARTBEAT_TIMEOUT_MINUTES: '10' } });

    async function statusOf(id: string): Promise<string> {
      const response = await t.admin.get(`/api/v1/systems/${id}`);
      return response.json().status as string;
    }

    async function eventsOf(id: string): Promise<{ from: string; to: string; occurred_at: string }[]> {
      const response = await t.admin.get(`/api/v1/systems/${id}/events?order=asc`);
      assert.equal(response.statusCode, 200);
      return response.json().items;
    }

    it('goes unknown → active → inactive → active, each transition an event at the threshold time', async () => {
      const system = await t.createRegisteredSystem();
      assert.equal(await statusOf(system.id), 'unknown');

      const firstBeat = t.clock.now();
      assert.equal((await t.heartbeat(system.basic)).statusCode, 200);
      assert.equal(await statusOf(system.id), 'active');

      t.clock.advance(10 * MINUTE - 1);
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'active', 'one millisecond before the timeout');

      t.clock.advance(1);
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'inactive');

      t.clock.advance(5 * MINUTE);
      const recovery = t.clock.now();
      assert.equal((await t.heartbeat(system.basic)).statusCode, 200);
      assert.equal(await statusOf(system.id), 'active');

      const events = await eventsOf(system.id);
      assert.deepEqual(
        events.map((event) => [event.from, event.to, event.occurred_at]),
        [
          ['unknown', 'active', firstBeat.toISOString()],
          ['active', 'inactive', new Date(firstBeat.getTime() + 10 * MINUTE).toISOString()],
          ['inactive', 'active', recovery.toISOString()],
        ],
      );
    });

    it('stores a batch of heartbeats in one statement and answers only the systems it left out', async () => {
      const stored = await t.createRegisteredSystem();
      const suspended = await t.createRegisteredSystem();
      const earlier = new Date(t.clock.now().getTime() - MINUTE);
      // What a suspension between authentication and the write looks like to the store.
      assert.equal((await t.admin.post(`/api/v1/systems/${suspended.id}/suspend`)).statusCode, 200);
      const leftOut = await t.muster.liveness.recordHeartbeats([
        { systemId: stored.id, at: earlier },
        { systemId: suspended.id, at: earlier },
        { systemId: '00000000-0000-4000-8000-00000000dead', at: earlier },
      ]);
      assert.deepEqual([...leftOut].sort(), [suspended.id, '00000000-0000-4000-8000-00000000dead'].sort());
      const { rows } = await database.db.query<{ system_id: string; status: string; last_heartbeat: Date | null }>(
        'SELECT system_id, status, last_heartbeat FROM system_liveness WHERE system_id = ANY($1::uuid[]) ORDER BY system_id',
        [[stored.id, suspended.id]],
      );
      const byId = new Map(rows.map((row) => [row.system_id, row]));
      assert.equal(byId.get(stored.id)!.status, 'active');
      assert.equal(byId.get(stored.id)!.last_heartbeat!.toISOString(), earlier.toISOString());
      assert.equal(byId.get(suspended.id)!.last_heartbeat, null);
      assert.equal((await t.muster.liveness.recordHeartbeats([{ systemId: stored.id, at: t.clock.now() }])).size, 0);
    });

    it('in one batch: active systems refreshed, a new one made active with its event, a suspended active one left out', async () => {
      const active = await t.createRegisteredSystem();
      const fresh = await t.createRegisteredSystem();
      const suspendedActive = await t.createRegisteredSystem();
      for (const system of [active, suspendedActive]) assert.equal((await t.heartbeat(system.basic)).statusCode, 200);
      const beatBefore = t.clock.now();
      assert.equal((await t.admin.post(`/api/v1/systems/${suspendedActive.id}/suspend`)).statusCode, 200);
      t.clock.advance(MINUTE);
      const at = t.clock.now();
      const leftOut = await t.muster.liveness.recordHeartbeats([
        { systemId: suspendedActive.id, at },
        { systemId: fresh.id, at },
        { systemId: active.id, at },
      ]);
      assert.deepEqual([...leftOut], [suspendedActive.id]);
      const { rows } = await database.db.query<{ system_id: string; status: string; last_heartbeat: Date }>(
        'SELECT system_id, status, last_heartbeat FROM system_liveness WHERE system_id = ANY($1::uuid[])',
        [[active.id, fresh.id, suspendedActive.id]],
      );
      const byId = new Map(rows.map((row) => [row.system_id, row]));
      assert.deepEqual([byId.get(active.id)!.status, byId.get(active.id)!.last_heartbeat.toISOString()], ['active', at.toISOString()]);
      assert.deepEqual([byId.get(fresh.id)!.status, byId.get(fresh.id)!.last_heartbeat.toISOString()], ['active', at.toISOString()]);
      assert.equal(byId.get(suspendedActive.id)!.last_heartbeat.toISOString(), beatBefore.toISOString(), 'the suspended system is not refreshed');
      assert.deepEqual(
        (await eventsOf(fresh.id)).map((event) => [event.from, event.to, event.occurred_at]),
        [['unknown', 'active', at.toISOString()]],
      );
      assert.deepEqual(await eventsOf(active.id).then((events) => events.map((event) => event.to)), ['active'], 'a refresh records no event');
      // An older heartbeat arriving late never moves last_heartbeat back.
      assert.equal((await t.muster.liveness.recordHeartbeats([{ systemId: active.id, at: beatBefore }])).size, 0);
      const latest = await database.db.query<{ last_heartbeat: Date }>('SELECT last_heartbeat FROM system_liveness WHERE system_id = $1', [active.id]);
      assert.equal(latest.rows[0]!.last_heartbeat.toISOString(), at.toISOString());
    });

    it('a system that keeps beating stays active and records no event', async () => {
      const system = await t.createRegisteredSystem();
      await t.heartbeat(system.basic);
      for (let i = 0; i < 5; i++) {
        t.clock.advance(9 * MINUTE);
        await t.heartbeat(system.basic);
        await t.muster.scanner.runOnce();
      }
      assert.equal(await statusOf(system.id), 'active');
      assert.equal((await eventsOf(system.id)).length, 1);
    });

    it('uses per-organization thresholds, including the warning state, and applies a change at once', async () => {
      const created = await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}`, heartbeat_timeout_minutes: 3, heartbeat_warning_minutes: 1 });
      assert.equal(created.statusCode, 201, created.body);
      const organization = created.json();
      assert.equal(organization.effective_heartbeat_timeout_minutes, 3);
      assert.equal(organization.effective_heartbeat_warning_minutes, 1);

      const system = await t.createRegisteredSystem({ organization_id: organization.id });
      const beat = t.clock.now();
      await t.heartbeat(system.basic);

      t.clock.advance(1 * MINUTE);
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'warning');

      t.clock.advance(2 * MINUTE);
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'inactive');
      assert.deepEqual(
        (await eventsOf(system.id)).map((event) => [event.from, event.to, event.occurred_at]),
        [
          ['unknown', 'active', beat.toISOString()],
          ['active', 'warning', new Date(beat.getTime() + MINUTE).toISOString()],
          ['warning', 'inactive', new Date(beat.getTime() + 3 * MINUTE).toISOString()],
        ],
      );

      // Raising the timeout: a fresh heartbeat, then the old 3 minutes pass without a change.
      await t.heartbeat(system.basic);
      const patched = await t.admin.patch(`/api/v1/organizations/${organization.id}`, { heartbeat_timeout_minutes: 30, heartbeat_warning_minutes: 0 });
      assert.equal(patched.statusCode, 200, patched.body);
      t.clock.advance(29 * MINUTE);
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'active');

      // Lowering it below the silence so far: the very next scan marks the system inactive.
      await t.admin.patch(`/api/v1/organizations/${organization.id}`, { heartbeat_timeout_minutes: 5 });
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'inactive');
    });

    it('takes thresholds in seconds: warning at 10 s and death at 30 s, to the millisecond, as with minutes', async () => {
      const created = await t.admin.post('/api/v1/organizations', {
        name: `nodes-${Math.random()}`,
        heartbeat_timeout_seconds: 30,
        heartbeat_warning_seconds: 10,
      });
      assert.equal(created.statusCode, 201, created.body);
      const organization = created.json();
      assert.equal(organization.heartbeat_timeout_seconds, 30);
      assert.equal(organization.effective_heartbeat_warning_seconds, 10);
      assert.equal(organization.heartbeat_timeout_minutes, 0.5, 'the minutes read as a fraction');

      const system = await t.createRegisteredSystem({ organization_id: organization.id });
      const beat = t.clock.now();
      await t.heartbeat(system.basic);
      t.clock.advance(10_000 - 1);
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'active');
      t.clock.advance(1);
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'warning');
      t.clock.advance(20_000);
      await t.muster.scanner.runOnce();
      assert.equal(await statusOf(system.id), 'inactive');
      assert.deepEqual(
        (await eventsOf(system.id)).map((event) => [event.to, event.occurred_at]),
        [
          ['active', beat.toISOString()],
          ['warning', new Date(beat.getTime() + 10_000).toISOString()],
          ['inactive', new Date(beat.getTime() + 30_000).toISOString()],
        ],
      );

      // Minutes and seconds for one threshold at once are refused; minutes set seconds.
      const both = await t.admin.patch(`/api/v1/organizations/${organization.id}`, { heartbeat_timeout_minutes: 1, heartbeat_timeout_seconds: 60 });
      assert.equal(both.statusCode, 400);
      assert.match(both.json().message, /not both/);
      const inMinutes = await t.admin.patch(`/api/v1/organizations/${organization.id}`, { heartbeat_timeout_minutes: 2 });
      assert.equal(inMinutes.json().heartbeat_timeout_seconds, 120);
      const inconsistent = await t.admin.patch(`/api/v1/organizations/${organization.id}`, { heartbeat_warning_seconds: 120 });
      assert.equal(inconsistent.statusCode, 400);
    });

    it('reads the global thresholds an earlier version stored in minutes as the same in seconds', async () => {
      await database.db.query(`UPDATE settings SET value = $1 WHERE key = 'liveness_thresholds'`, [JSON.stringify({ timeoutMinutes: 10, warningMinutes: 0 })]);
      assert.equal(await t.muster.liveness.applyGlobalThresholds(), false, 'HEARTBEAT_TIMEOUT_MINUTES=10 is what was stored: nothing to wake');
      const { rows } = await database.db.query<{ value: unknown }>(`SELECT value FROM settings WHERE key = 'liveness_thresholds'`);
      assert.deepEqual(rows[0]!.value, { timeoutMinutes: 10, warningMinutes: 0 });
    });

    it('catches up after a pause: a silent system crosses warning and timeout in one scan, both recorded', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}`, heartbeat_warning_minutes: 4 })).json();
      const system = await t.createRegisteredSystem({ organization_id: organization.id });
      await t.heartbeat(system.basic);
      t.clock.advance(60 * MINUTE);
      await t.muster.scanner.runOnce();
      assert.deepEqual(
        (await eventsOf(system.id)).map((event) => `${event.from}->${event.to}`),
        ['unknown->active', 'active->warning', 'warning->inactive'],
      );
    });

    it('two nodes scanning the same database record each transition exactly once', async () => {
      const other = await database.openAnother();
      const second = await startTestMuster(other, { HEARTBEAT_TIMEOUT_MINUTES: '10' }, new ManualClock(t.clock.now()));
      try {
        const systems = await Promise.all(Array.from({ length: 30 }, () => t.createRegisteredSystem()));
        await Promise.all(systems.map((system, index) => (index % 2 ? t : second).heartbeat(system.basic)));
        t.clock.advance(11 * MINUTE);
        second.clock.set(t.clock.now());
        await Promise.all([t.muster.scanner.runOnce(), second.muster.scanner.runOnce(), t.muster.scanner.runOnce(), second.muster.scanner.runOnce()]);
        // Whichever node held the lock did the work; a last pass finds nothing left to do.
        await t.muster.scanner.runOnce();
        for (const system of systems) {
          const events = await eventsOf(system.id);
          assert.deepEqual(
            events.map((event) => `${event.from}->${event.to}`),
            ['unknown->active', 'active->inactive'],
          );
        }
      } finally {
        await second.close();
      }
    });

    it('GET /api/v1/summary counts systems by status', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}` })).json();
      const [a, b] = await Promise.all([
        t.createRegisteredSystem({ organization_id: organization.id }),
        t.createRegisteredSystem({ organization_id: organization.id }),
        t.createRegisteredSystem({ organization_id: organization.id }),
      ]);
      await t.heartbeat(a.basic);
      await t.heartbeat(b.basic);
      await t.admin.post(`/api/v1/systems/${b.id}/suspend`);
      const response = await t.admin.get(`/api/v1/summary?organization_id=${organization.id}`);
      assert.equal(response.statusCode, 200);
      const summary = response.json();
      assert.deepEqual(
        [summary.total, summary.by_status, summary.suspended, summary.deleted],
        [3, { unknown: 1, active: 1, warning: 0, inactive: 0 }, 1, 0],
        'the suspended one counted as suspended only',
      );
      assert.deepEqual(summary.needs_attention, {
        systems: 0,
        by_tier: { critical: 0, high: 0, warning: 0 },
        inactive: 0,
        warning: 0,
        critical_changes_24h: 0,
      });
      assert.deepEqual(summary.recent_changes, []);
    });
  });
}
