import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { ManualClock } from '../../clock/clock.ts';

const MINUTE = 60_000;
const START = '2026-03-10T00:00:00.000Z';

const numbers = (cpu: number, extra: Record<string, unknown> = {}) => ({
  uptime_seconds: 1000,
  cpu: { percent: cpu, loadavg: { '1m': 1.5, '5m': 1.2, '15m': 0.9 } },
  memory: { total_gb: 64, used_gb: 20, percent: 31.25 },
  disks: [
    { mountpoint: '/', free_gb: 100, total_gb: 200, percent: 50 },
    { mountpoint: '/data', free_gb: 10, total_gb: 1000, percent: 99 },
  ],
  gpus: [{ index: 0, utilization_pct: 72, memory_used_mb: 9000, memory_total_mb: 24576 }],
  containers: [{ name: 'trainer', cpu_pct: 14.2, mem_mb: 2048 }],
  ...extra,
});

interface SeriesAnswer {
  name: string;
  step: number;
  resolution: string;
  series: { labels: Record<string, string>; points: [number, number][] }[];
}

for (const kind of databaseKinds()) {
  describe(`metrics store (${kind})`, () => {
    const { t, database } = useTestMuster(kind, { clock: () => new ManualClock(START) });

    const post = (basic: string, body: unknown) => t.postMetrics(basic, body);

    const query = async (systemId: string, params: string) => {
      const response = await t.admin.get(`/api/v1/systems/${systemId}/metrics?${params}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<SeriesAnswer>();
    };

    it('stores an appliance’s numbers as the series of SPEC §10 and lists them', async () => {
      const system = await t.createRegisteredSystem();
      const response = await post(system.basic, numbers(23.5));
      assert.equal(response.statusCode, 200, response.body);
      const answer = response.json<{ data: { samples: number; at: string } }>();
      assert.equal(answer.data.samples, 19);
      assert.equal(answer.data.at, t.clock.now().toISOString());

      const list = (await t.admin.get(`/api/v1/systems/${system.id}/metrics`)).json<{ items: { name: string; labels: Record<string, string> }[] }>();
      const names = list.items.map((item) => `${item.name}${JSON.stringify(item.labels)}`);
      assert.ok(names.includes('disk.percent{"mountpoint":"/data"}'), names.join(' '));
      assert.ok(names.includes('gpu.memory_used_mb{"index":"0"}'));
      assert.ok(names.includes('container.mem_mb{"name":"trainer"}'));
      assert.ok(names.includes('cpu.load15{}'));
      assert.equal(list.items.length, 19);

      const disk = await query(
        system.id,
        `name=disk.percent&label=mountpoint%3D%2Fdata&from=${new Date(t.clock.now().getTime() - 10 * MINUTE).toISOString()}&step=60`,
      );
      assert.equal(disk.resolution, 'raw');
      assert.deepEqual(disk.series, [{ labels: { mountpoint: '/data' }, points: [[t.clock.now().getTime() / 1000, 99]] }]);
    });

    it('stores samples sent again for the same moment once (a spool re-sent after a crash), a new moment anew', async () => {
      const system = await t.createRegisteredSystem();
      const at = new Date(t.clock.now().getTime() - 2 * MINUTE).toISOString();
      for (const cpu of [10, 99]) assert.equal((await post(system.basic, { ...numbers(cpu), timestamp: at })).statusCode, 200);
      assert.equal((await post(system.basic, numbers(30))).statusCode, 200);
      const from = new Date(t.clock.now().getTime() - 10 * MINUTE).toISOString();
      const cpu = await query(system.id, `name=cpu.percent&from=${from}&step=60`);
      assert.deepEqual(cpu.series[0]!.points, [
        [Date.parse(at) / 1000, 10],
        [t.clock.now().getTime() / 1000, 30],
      ]);
      const { rows } = await database.db.query<{ count: number }>('SELECT count(*)::int AS count FROM metric_samples WHERE system_id = $1', [system.id]);
      assert.equal(rows[0]!.count, 2);
    });

    it('takes a gzip-compressed body (an agent compresses what is over 1 KB), and refuses another coding, a broken one, or one of a refused type', async () => {
      const system = await t.createRegisteredSystem();
      const send = (payload: Buffer, encoding: string, type = 'application/json') =>
        t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/metrics',
          headers: { authorization: system.basic, 'content-type': type, 'content-encoding': encoding },
          payload,
        });
      const zipped = await send(gzipSync(JSON.stringify(numbers(42))), 'gzip');
      assert.equal(zipped.statusCode, 200, zipped.body);
      assert.equal(zipped.json<{ data: { samples: number } }>().data.samples, 19);
      const cpu = await query(system.id, `name=cpu.percent&from=${new Date(t.clock.now().getTime() - MINUTE).toISOString()}&step=60`);
      assert.deepEqual(cpu.series[0]!.points, [[t.clock.now().getTime() / 1000, 42]]);
      assert.equal((await send(Buffer.from(JSON.stringify(numbers(1))), 'br')).statusCode, 400);
      assert.equal((await send(Buffer.from('not gzip at all'), 'gzip')).statusCode, 400);
      // A body no parser reads (its type is refused) whose decoding fails: answered, and the process stays up.
      assert.equal((await send(Buffer.from('not gzip at all'), 'gzip', 'application/x-www-form-urlencoded')).statusCode, 415);
      await new Promise((resolve) => setTimeout(resolve, 100));
    });

    it('refuses numbers of the wrong type, a timestamp ahead of the server and one past the raw retention, storing nothing', async () => {
      const system = await t.createRegisteredSystem();
      for (const body of [
        { cpu: { percent: 'high' } },
        { disks: [{ percent: 3 }] },
        { timestamp: new Date(t.clock.now().getTime() + 10 * MINUTE).toISOString() },
        { timestamp: '2025-01-01T00:00:00Z' },
      ]) {
        const response = await post(system.basic, body);
        assert.equal(response.statusCode, 400, `${JSON.stringify(body)}: ${response.body}`);
      }
      const list = (await t.admin.get(`/api/v1/systems/${system.id}/metrics`)).json<{ items: unknown[] }>();
      assert.deepEqual(list.items, []);
      assert.equal((await post('Basic bm9wZTpub3Bl', numbers(1))).statusCode, 401);
    });

    it('rolls up into 5-minute and hourly buckets once complete, idempotently, and answers from the coarsest resolution that fits', async () => {
      t.clock.set('2026-03-10T01:00:00.000Z');
      const system = await t.createRegisteredSystem();
      // An hour of samples a minute apart: cpu 0, 1, …, 59.
      for (let minute = 0; minute < 60; minute++) {
        t.clock.set(new Date(Date.parse('2026-03-10T01:00:00.000Z') + minute * MINUTE));
        assert.equal((await post(system.basic, numbers(minute))).statusCode, 200);
      }
      t.clock.set('2026-03-10T02:10:00.000Z');
      await t.muster.systemMetrics.rollups.runOnce();
      const count = async () =>
        (await database.db.query<{ n: number }>('SELECT count(*)::int AS n FROM metric_rollups_5m WHERE system_id = $1', [system.id])).rows[0]!.n;
      assert.equal(await count(), 12);
      await t.muster.systemMetrics.rollups.runOnce();
      assert.equal(await count(), 12, 'a second run changes nothing');

      const range = 'from=2026-03-10T01:00:00Z&to=2026-03-10T02:00:00Z';
      const five = await query(system.id, `name=cpu.percent&${range}&step=300`);
      assert.equal(five.resolution, '5m');
      assert.deepEqual(
        five.series[0]!.points.map(([, value]) => value),
        [2, 7, 12, 17, 22, 27, 32, 37, 42, 47, 52, 57],
      );
      const max = await query(system.id, `name=cpu.percent&${range}&step=900&aggregate=max`);
      assert.deepEqual(
        max.series[0]!.points.map(([, value]) => value),
        [14, 29, 44, 59],
      );
      const hour = await query(system.id, `name=cpu.percent&${range}&step=3600`);
      assert.equal(hour.resolution, '1h');
      assert.deepEqual(hour.series[0]!.points, [[Date.parse('2026-03-10T01:00:00Z') / 1000, 29.5]]);
      const last = await query(system.id, `name=cpu.percent&${range}&step=3600&aggregate=last`);
      assert.equal(last.series[0]!.points[0]![1], 59);
      const raw = await query(system.id, `name=cpu.percent&${range}&step=60`);
      assert.equal(raw.resolution, 'raw');
      assert.equal(raw.series[0]!.points.length, 60);
    });

    it('rolls up a bucket again when late samples reopen it', async () => {
      t.clock.set('2026-03-10T04:00:00.000Z');
      const system = await t.createRegisteredSystem();
      assert.equal((await post(system.basic, { ...numbers(10), timestamp: '2026-03-10T03:01:00Z' })).statusCode, 200);
      await t.muster.systemMetrics.rollups.runOnce();
      const range = 'from=2026-03-10T03:00:00Z&to=2026-03-10T03:05:00Z&step=300';
      assert.deepEqual((await query(system.id, `name=cpu.percent&${range}`)).series[0]!.points[0]![1], 10);
      // Sent from an agent's spool after the bucket was rolled up.
      assert.equal((await post(system.basic, { ...numbers(30), timestamp: '2026-03-10T03:02:00Z' })).statusCode, 200);
      await t.muster.systemMetrics.rollups.runOnce();
      assert.deepEqual((await query(system.id, `name=cpu.percent&${range}`)).series[0]!.points[0]![1], 20);
    });

    it('drops raw partitions past METRICS_RAW_RETENTION once rolled up, still answering from the rollups', async () => {
      t.clock.set('2026-03-11T00:30:00.000Z');
      const system = await t.createRegisteredSystem();
      assert.equal((await post(system.basic, numbers(40))).statusCode, 200);
      t.clock.set('2026-03-19T01:00:00.000Z');
      for (let run = 0; run < 3; run++) await t.muster.systemMetrics.rollups.runOnce();
      const partitions = (
        await database.db.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'metric_samples'::regclass`,
        )
      ).rows.map((row) => row.name);
      assert.ok(!partitions.includes('metric_samples_p20260311'), partitions.join(' '));
      assert.ok(partitions.includes('metric_samples_p20260319'), partitions.join(' '));
      const answer = await query(system.id, 'name=cpu.percent&from=2026-03-11T00:00:00Z&to=2026-03-11T01:00:00Z&step=300');
      assert.equal(answer.resolution, '5m');
      assert.deepEqual(answer.series[0]!.points, [[Date.parse('2026-03-11T00:30:00Z') / 1000, 40]]);
    });

    it('ranks the fleet by a metric’s latest value, a system by its highest series', async () => {
      t.clock.set('2026-03-19T02:00:00.000Z');
      const organization = (await t.admin.post('/api/v1/organizations', { name: `top-${Date.now()}` })).json<{ id: string }>().id;
      const busy = await t.createRegisteredSystem({ organization_id: organization, name: 'busy' });
      const idle = await t.createRegisteredSystem({ organization_id: organization, name: 'idle' });
      assert.equal((await post(busy.basic, numbers(90))).statusCode, 200);
      assert.equal((await post(idle.basic, numbers(5, { disks: [{ mountpoint: '/', percent: 12 }] }))).statusCode, 200);
      const top = (await t.admin.get(`/api/v1/metrics/top?name=cpu.percent&organization_id=${organization}`)).json<{
        items: { system_name: string; value: number }[];
      }>();
      assert.deepEqual(
        top.items.map((item) => [item.system_name, item.value]),
        [
          ['busy', 90],
          ['idle', 5],
        ],
      );
      const disks = (await t.admin.get(`/api/v1/metrics/top?name=disk.percent&organization_id=${organization}&limit=1`)).json<{
        items: { system_name: string; labels: object; value: number }[];
      }>();
      assert.deepEqual(disks.items, [{ ...disks.items[0], system_name: 'busy', labels: { mountpoint: '/data' }, value: 99 }]);
    });
  });
}
