import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';

for (const kind of databaseKinds()) {
  describe(`availability and health scores (${kind})`, () => {
    const { t } = useTestMuster(kind);

    it('draws the last 24 hours from the liveness transitions and scores the system from them', async () => {
      const created = t.clock.now();
      const system = await t.createRegisteredSystem();
      await t.heartbeat(system.basic);
      t.clock.advanceMinutes(11);
      await t.muster.scanner.runOnce(); // inactive 10 minutes after the heartbeat
      t.clock.advanceMinutes(49);
      await t.heartbeat(system.basic); // active again, an hour after creation
      await t.muster.alerts.processLivenessEvents();
      t.clock.advanceMinutes(60);

      const response = await t.admin.get(`/api/v1/systems/${system.id}/availability?window=24h`);
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.window, '24h');
      assert.equal(body.tracked_seconds, 120 * 60);
      assert.deepEqual(body.seconds, { unknown: 0, active: 70 * 60, warning: 0, inactive: 50 * 60 });
      assert.equal(body.active_percent, 58.33);
      assert.deepEqual(
        body.spans.map((span: { status: string }) => span.status),
        ['untracked', 'active', 'inactive', 'active'],
      );
      assert.equal(body.spans[1].from, created.toISOString());
      assert.equal(body.spans.at(-1).to, t.clock.now().toISOString());

      const health = await t.admin.get(`/api/v1/systems/${system.id}/health`);
      assert.equal(health.statusCode, 200, health.body);
      // 50 × 70/120 active + 20 × 0 (no inventory) + 15 (no changes) + 15 (no firing alert).
      assert.equal(health.json().score, 59);
      assert.equal(health.json().grade, 'poor');
      assert.equal(health.json().inputs.inventory_age_seconds, null);
      assert.deepEqual(health.json().inputs.firing_alerts, { critical: 0, high: 0, warning: 0 });
    });

    it('scores a page of systems at once, leaving out unknown ids; unregistered systems have no score', async () => {
      const registered = await t.createRegisteredSystem();
      await t.heartbeat(registered.basic);
      const unregistered = await t.createSystem();
      t.clock.advanceMinutes(30);
      const missing = '00000000-0000-4000-8000-000000000000';
      const response = await t.admin.get(`/api/v1/health-scores?system_id=${registered.id}&system_id=${unregistered.id}&system_id=${missing}`);
      assert.equal(response.statusCode, 200, response.body);
      const scores = new Map(response.json().items.map((item: { system_id: string; score: number | null }) => [item.system_id, item.score]));
      assert.equal(scores.size, 2);
      assert.equal(scores.get(registered.id), 80); // always active since creation, no inventory yet
      assert.equal(scores.get(unregistered.id), null);
    });

    it('answers 400 for bad windows and ids, 404 for an unknown system', async () => {
      const system = await t.createSystem();
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}/availability?window=1y`)).statusCode, 400);
      assert.equal((await t.admin.get('/api/v1/health-scores')).statusCode, 400);
      assert.equal((await t.admin.get('/api/v1/health-scores?system_id=nope')).statusCode, 400);
      const unknown = await t.admin.get('/api/v1/systems/00000000-0000-4000-8000-000000000000/health');
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.json().message, /not found/);
    });
  });
}
