import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { startTestMuster, useTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import { ManualClock } from '../../clock/clock.ts';

const START = '2026-06-01T00:00:00.000Z';
const MINUTE = 60_000;

const report = (minute: number) => ({
  server_alias: 'shared-1',
  hostname: 'shared1',
  ip: '10.0.0.21',
  uptime_seconds: 1000 + minute * 60,
  cpu: { percent: minute, loadavg: { '1m': 1, '5m': 1, '15m': 1 } },
  memory: { total_gb: 64, used_gb: 20, percent: 31.2 },
  disks: [{ mountpoint: '/', fstype: 'ext4', free_gb: 100, total_gb: 200, percent: 50 }],
  users: [],
  timestamp: '2026-06-01T00:00:00Z',
});

for (const kind of databaseKinds()) {
  describe(`two Muster nodes writing the same series (${kind})`, () => {
    const { t, database } = useTestMuster(kind, { clock: () => new ManualClock(START) });
    let second: TestMuster;
    before(async () => {
      second = await startTestMuster(await database.openAnother(), {}, t.clock);
    });
    after(() => second?.close());

    it('lands one server, one layout and every sample once, rolled up once however many nodes run the rollup', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: 'two-nodes' })).json<{ id: string }>().id;
      const key = (await t.admin.post(`/api/v1/organizations/${organization}/api-keys`, { name: 'agents', scopes: ['monitoring:write'] })).json<{
        key: string;
      }>().key;
      const send = (node: TestMuster, minute: number) =>
        node.muster.app.inject({
          method: 'POST',
          url: '/monitoring/api/report',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          payload: JSON.stringify(report(minute)),
        });
      // The first report reaches both nodes at once: neither knows the server nor its layout yet.
      t.clock.set(START);
      const first = await Promise.all([send(t, 0), send(second, 0)]);
      assert.deepEqual(
        first.map((response) => response.statusCode),
        [200, 200],
      );
      for (let minute = 1; minute < 20; minute++) {
        t.clock.set(new Date(Date.parse(START) + minute * MINUTE));
        assert.equal((await send(minute % 2 === 0 ? t : second, minute)).statusCode, 200);
      }
      const systems = (await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ items: { id: string }[] }>().items;
      assert.equal(systems.length, 1, 'one system for the alias');
      const systemId = systems[0]!.id;
      const count = async (sql: string) => (await database.db.query<{ n: number }>(sql, [systemId])).rows[0]!.n;
      assert.equal(await count('SELECT count(*)::int AS n FROM metric_layouts WHERE system_id = $1'), 1);
      assert.equal(await count('SELECT count(*)::int AS n FROM metric_samples WHERE system_id = $1'), 20, 'the two first reports, of one moment, are one sample; then the 19 after them');

      t.clock.set(new Date(Date.parse(START) + 40 * MINUTE));
      await Promise.all([t.muster.systemMetrics.rollups.runOnce(), second.muster.systemMetrics.rollups.runOnce()]);
      await Promise.all([t.muster.systemMetrics.rollups.runOnce(), second.muster.systemMetrics.rollups.runOnce()]);
      assert.equal(await count('SELECT count(*)::int AS n FROM metric_rollups_5m WHERE system_id = $1'), 4, 'four complete 5-minute buckets, each once');
      assert.equal(await count('SELECT sum(samples)::int AS n FROM metric_rollups_5m WHERE system_id = $1'), 20);
      const answer = (
        await second.admin.get(`/api/v1/systems/${systemId}/metrics?name=cpu.percent&from=2026-06-01T00:00:00Z&to=2026-06-01T00:19:59Z&step=300&aggregate=max`)
      ).json<{ resolution: string; series: { points: [number, number][] }[] }>();
      assert.equal(answer.resolution, '5m');
      assert.deepEqual(
        answer.series[0]!.points.map(([, value]) => value),
        [4, 9, 14, 19],
      );
    });
  });
}
