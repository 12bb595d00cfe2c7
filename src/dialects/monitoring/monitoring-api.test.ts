import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../../../test/helpers/eventually.ts';
import { faultyDb } from '../../../test/helpers/faulty-db.ts';
import { SEED_REPORT } from '../../../test/fixtures/monitoring-reports.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { ManualClock } from '../../clock/clock.ts';

const START = '2026-04-01T10:00:00.000Z';

for (const kind of databaseKinds()) {
  describe(`monitoring /monitoring (${kind})`, () => {
    const { t } = useTestMuster(kind, { clock: () => new ManualClock(START) });

    async function organization() {
      const { id, key } = await t.createOrganization('mon');
      return { id, write: await key(['monitoring:write']), read: await key(['monitoring:read']), key };
    }

    const report = (key: string | undefined, body: unknown, headers: Record<string, string> = {}) =>
      t.muster.app.inject({
        method: 'POST',
        url: '/monitoring/api/report',
        headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }), ...headers },
        payload: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const view = (url: string, key?: string) =>
      t.muster.app.inject({ method: 'GET', url: `/monitoring${url}`, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });

    async function systemOf(organizationId: string, alias: string) {
      const list = (await t.admin.get(`/api/v1/systems?organization_id=${organizationId}`)).json<{ items: (Record<string, unknown> & { id: string })[] }>()
        .items;
      return list.find((system) => system.name === alias);
    }

    it("takes the seed's example report: a heartbeat of a system named by its alias, its numbers as metrics, its static part as an inventory", async () => {
      const org = await organization();
      const response = await report(org.write, SEED_REPORT);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), { status: 'ok', server_alias: 'gpu-01', received_at: '2026-04-01T10:00:00' });

      const system = await systemOf(org.id, 'gpu-01');
      assert.ok(system, 'a system named by the alias');
      assert.equal(system.type, 'server');
      assert.equal(system.source, 'monitoring');
      assert.equal(system.status, 'active');

      const cpu = (await t.admin.get(`/api/v1/systems/${system.id}/metrics?name=cpu.load5&from=2026-04-01T09:00:00Z`)).json<{
        series: { points: number[][] }[];
      }>();
      assert.deepEqual(cpu.series[0]!.points, [[Date.parse(START) / 1000, 1.1]]);
      const gpu = (await t.admin.get(`/api/v1/systems/${system.id}/metrics?name=gpu.memory_used_mb&label=index%3D0&from=2026-04-01T09:00:00Z`)).json<{
        series: { points: number[][] }[];
      }>();
      assert.equal(gpu.series[0]!.points[0]![1], 9000);

      const inventory = await eventually(async () => {
        const latest = await t.admin.get(`/api/v1/systems/${system.id}/inventory/latest`);
        return latest.statusCode === 200 && latest.json<{ data: Record<string, unknown> }>().data;
      }, 'the inventory of the static part');
      assert.deepEqual(inventory, {
        fqdn: 'gpu01',
        ipv4_address: '10.0.0.11',
        os: 'Ubuntu 22.04',
        monitoring: {
          server_alias: 'gpu-01',
          ip: '10.0.0.11',
          machine_type: 'host',
          group: 'production',
          labels: ['gpu', 'nvidia', 'ml'],
          disks: { '/': { fstype: 'ext4', total_gb: 200 } },
          gpus: { '0': { name: 'RTX 3090', memory_total_mb: 24576 } },
          containers: { trainer: { image: 'pytorch:2.4-cuda' } },
        },
      });
      const summary = await eventually(async () => {
        const found = await systemOf(org.id, 'gpu-01');
        return found?.fqdn === 'gpu01' && found;
      }, 'the summary fields from the inventory');
      assert.equal(summary.ipv4_address, '10.0.0.11');
      assert.equal(summary.os, 'Ubuntu 22.04');
    });

    it('diffs a changed static part like any inventory, and sends an unchanged one only once', async () => {
      const org = await organization();
      assert.equal((await report(org.write, { ...SEED_REPORT, server_alias: 'diffed' })).statusCode, 200);
      const system = (await systemOf(org.id, 'diffed'))!;
      await eventually(async () => (await t.admin.get(`/api/v1/systems/${system.id}/inventory/latest`)).statusCode === 200, 'the first inventory');
      // Changing numbers only: no new inventory.
      t.clock.advance(60_000);
      assert.equal(
        (await report(org.write, { ...SEED_REPORT, server_alias: 'diffed', cpu: { percent: 99, loadavg: { '1m': 5, '5m': 4, '15m': 3 } } })).statusCode,
        200,
      );
      t.clock.advance(60_000);
      const containers = [{ ...SEED_REPORT.containers[0]!, image: 'pytorch:2.5-cuda' }];
      assert.equal((await report(org.write, { ...SEED_REPORT, server_alias: 'diffed', containers })).statusCode, 200);
      const diffs = await eventually(async () => {
        const page = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs`)).json<{
          items: { field_path: string; previous_value: unknown; current_value: unknown }[];
        }>();
        return page.items.length > 0 && page.items;
      }, 'the diff of the container image');
      assert.deepEqual(
        diffs.map((diff) => [diff.field_path, diff.previous_value, diff.current_value]),
        [['monitoring.containers.trainer.image', 'pytorch:2.4-cuda', 'pytorch:2.5-cuda']],
      );
      const records = (await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json<{ items: unknown[] }>();
      assert.equal(records.items.length, 2, 'the unchanged report sent no inventory');
    });

    it('refuses an invalid report with FastAPI’s 422 list before looking at the key, and a wrong or missing key with 401', async () => {
      const org = await organization();
      const { server_alias: _alias, ...withoutAlias } = SEED_REPORT;
      const missing = await report(undefined, withoutAlias);
      assert.equal(missing.statusCode, 422);
      assert.deepEqual(missing.json(), { detail: [{ type: 'missing', loc: ['body', 'server_alias'], msg: 'Field required', input: withoutAlias }] });

      const wrong = await report(org.write, { ...SEED_REPORT, uptime_seconds: 'long', disks: [{ ...SEED_REPORT.disks[0], percent: 'full' }] });
      assert.equal(wrong.statusCode, 422);
      assert.deepEqual(
        wrong.json<{ detail: { loc: unknown[]; type: string }[] }>().detail.map((issue) => [issue.loc, issue.type]),
        [
          [['body', 'uptime_seconds'], 'int_parsing'],
          [['body', 'disks', 0, 'percent'], 'float_parsing'],
        ],
      );
      const broken = await report(org.write, '{"server_alias": ');
      assert.equal(broken.statusCode, 422);
      assert.equal(broken.json<{ detail: { type: string }[] }>().detail[0]!.type, 'json_invalid');
      const empty = await report(org.write, { ...SEED_REPORT, server_alias: ' ' });
      assert.equal(empty.statusCode, 422);
      assert.equal(empty.json<{ detail: { type: string }[] }>().detail[0]!.type, 'string_too_short');

      for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: `Bearer ${org.read}` }] as Record<string, string>[]) {
        const refused = await report(undefined, SEED_REPORT, headers);
        assert.equal(refused.statusCode, 401, JSON.stringify(headers));
        assert.deepEqual(refused.json(), { detail: 'Invalid or missing API key' });
      }
      // The key alone, without `Bearer `, as the peer allows.
      assert.equal((await report(undefined, { ...SEED_REPORT, server_alias: 'bare-key' }, { authorization: org.write })).statusCode, 200);
      assert.equal(await systemOf(org.id, 'gpu-01'), undefined, 'nothing refused was stored');
    });

    it('takes reports without GPUs or containers, with many disks, and with optional fields missing', async () => {
      const org = await organization();
      const { gpus: _gpus, containers: _containers, machine_type: _type, group: _group, os: _os, labels: _labels, ...bare } = SEED_REPORT;
      assert.equal((await report(org.write, { ...bare, server_alias: 'bare' })).statusCode, 200);
      const disks = Array.from({ length: 12 }, (_, i) => ({ mountpoint: `/mnt/d${i}`, fstype: 'xfs', free_gb: i, total_gb: 100, percent: 100 - i }));
      assert.equal((await report(org.write, { ...SEED_REPORT, server_alias: 'disks', disks })).statusCode, 200);
      // Kept as sent, shown as the peer's model has it: field names for the aliases, unknown keys gone.
      const named = { ...SEED_REPORT, server_alias: 'named', cpu: { percent: 5, loadavg: { one_min: 1, five_min: 2, fifteen_min: 3 } }, agent_version: '9' };
      assert.equal((await report(org.write, named)).statusCode, 200);
      const status = (await view('/api/status', org.read)).json<{ results: Record<string, unknown>[] }>().results;
      assert.deepEqual(status.find((s) => s.server_alias === 'named')!.cpu, { percent: 5, loadavg: { '1m': 1, '5m': 2, '15m': 3 } });
      assert.equal('agent_version' in status.find((s) => s.server_alias === 'named')!, false);
      const bareStatus = status.find((s) => s.server_alias === 'bare')!;
      assert.deepEqual(bareStatus.gpus, []);
      assert.equal(bareStatus.os, 'Unknown');
      assert.equal((status.find((s) => s.server_alias === 'disks')!.disks as unknown[]).length, 12);
      const machines = (await view('/api/machines', org.read)).json<{ machines: Record<string, unknown>[] }>().machines;
      assert.deepEqual(
        machines.find((m) => m.id === 'bare'),
        { id: 'bare', alias: 'bare', type: 'host', group: 'default', parent: null, ip: '10.0.0.11', os: 'Unknown', labels: [], status: 'online' },
      );
      const system = (await systemOf(org.id, 'disks'))!;
      const series = (await t.admin.get(`/api/v1/systems/${system.id}/metrics`)).json<{ items: { name: string }[] }>().items;
      assert.equal(series.filter((s) => s.name === 'disk.percent').length, 12);
    });

    it('shows the views in the peer’s shapes, a server down strictly after the threshold from its receive time, its containers with it', async () => {
      const org = await organization();
      t.clock.set('2026-04-02T08:00:00.000Z');
      assert.equal((await report(org.write, SEED_REPORT)).statusCode, 200);
      assert.equal((await report(org.write, { ...SEED_REPORT, server_alias: 'vm-1', machine_type: 'vm', containers: [] })).statusCode, 200);

      const root = await view('/', org.read);
      assert.deepEqual(root.json(), { service: 'Server Monitoring API', status: 'online', servers_monitored: 2, timestamp: '2026-04-02T08:00:00' });
      const status = (await view('/api/status', org.read)).json<{ results: Record<string, unknown>[] }>().results;
      assert.deepEqual(status[0], {
        server_alias: 'gpu-01',
        status: 'ok',
        hostname: 'gpu01',
        ip: '10.0.0.11',
        uptime_seconds: 2592000,
        cpu: SEED_REPORT.cpu,
        memory: SEED_REPORT.memory,
        disks: SEED_REPORT.disks,
        users: SEED_REPORT.users,
        gpus: SEED_REPORT.gpus,
        timestamp: SEED_REPORT.timestamp,
        os: 'Ubuntu 22.04',
      });
      const machines = (await view('/api/machines', org.read)).json<{ machines: Record<string, unknown>[] }>().machines;
      assert.deepEqual(
        machines.find((m) => m.id === 'gpu-01-trainer'),
        {
          id: 'gpu-01-trainer',
          alias: 'trainer',
          type: 'container',
          group: 'production',
          parent: 'gpu-01',
          ip: '10.0.0.11',
          os: 'pytorch:2.4-cuda',
          labels: ['container', 'running'],
          status: 'online',
        },
      );
      assert.deepEqual((await view('/api/hosts', org.read)).json(), { hosts: [{ alias: 'gpu-01', hostname: 'gpu01', ip: '10.0.0.11', status: 'online' }] });
      assert.deepEqual((await view('/api/docker/gpu-01/containers', org.read)).json(), SEED_REPORT.containers);
      const unknown = await view('/api/docker/nope/containers', org.read);
      assert.equal(unknown.statusCode, 404);
      assert.deepEqual(unknown.json(), { detail: "Host 'nope' not found" });

      t.clock.set('2026-04-02T08:05:00.000Z');
      assert.equal(
        (await view('/api/status', org.read)).json<{ results: { status: string }[] }>().results[0]!.status,
        'ok',
        'exactly the threshold is not down',
      );
      t.clock.set('2026-04-02T08:05:00.001Z');
      assert.equal((await view('/api/status', org.read)).json<{ results: { status: string }[] }>().results[0]!.status, 'down');
      const offline = (await view('/api/machines', org.read)).json<{ machines: { id: string; status: string }[] }>().machines;
      assert.deepEqual(
        offline.map((m) => [m.id, m.status]),
        [
          ['gpu-01', 'offline'],
          ['gpu-01-trainer', 'offline'],
          ['vm-1', 'offline'],
        ],
      );
      assert.equal((await view('/api/hosts', org.read)).json<{ hosts: { status: string }[] }>().hosts[0]!.status, 'offline');

      // The organization's own threshold.
      const patched = await t.admin.patch(`/api/v1/organizations/${org.id}/monitoring/settings`, { stale_threshold_seconds: 600 });
      assert.deepEqual(patched.json(), { stale_threshold_seconds: 600, public_views: false });
      assert.equal((await view('/api/status', org.read)).json<{ results: { status: string }[] }>().results[0]!.status, 'ok');
    });

    it('removes a server and its containers (a soft delete, restorable); an unknown one is 404', async () => {
      const org = await organization();
      assert.equal((await report(org.write, SEED_REPORT)).statusCode, 200);
      const system = (await systemOf(org.id, 'gpu-01'))!;
      const remove = (alias: string, key = org.write) =>
        t.muster.app.inject({ method: 'DELETE', url: `/monitoring/api/server/${alias}`, headers: { authorization: `Bearer ${key}` } });
      assert.deepEqual((await remove('gpu-01', org.read)).json(), { detail: 'Invalid or missing API key' });
      const removed = await remove('gpu-01');
      assert.equal(removed.statusCode, 200);
      assert.deepEqual(removed.json(), { status: 'ok', message: "Server 'gpu-01' removed" });
      const again = await remove('gpu-01');
      assert.equal(again.statusCode, 404);
      assert.deepEqual(again.json(), { detail: "Server 'gpu-01' not found" });
      assert.deepEqual((await view('/api/machines', org.read)).json(), { machines: [] });
      assert.ok((await t.admin.get(`/api/v1/systems/${system.id}`)).json<{ deleted_at: string | null }>().deleted_at);
      // The operator's change is audited (reports are not): the success and the 404, with the key as the actor.
      type Row = { action: string; actor_type: string; actor_id: string | null; target_type: string; target_id: string; outcome: string; http_status: number };
      const audit = (await t.admin.get(`/api/v1/audit?organization_id=${org.id}`)).json<{ items: Row[] }>().items;
      assert.deepEqual(
        audit
          .filter((row) => row.action.startsWith('monitoring.'))
          .map((row) => [row.action, row.outcome, row.http_status, row.target_type, row.target_id])
          .sort(),
        [
          ['monitoring.server.delete', 'failure', 404, 'server', 'gpu-01'],
          ['monitoring.server.delete', 'success', 200, 'system', system.id],
        ],
      );
      assert.ok(audit.filter((row) => row.action.startsWith('monitoring.')).every((row) => row.actor_type === 'api-key' && row.actor_id));
      assert.equal((await t.admin.post(`/api/v1/systems/${system.id}/restore`)).statusCode, 200);
      assert.equal((await view('/api/status', org.read)).json<{ results: unknown[] }>().results.length, 1);
    });

    it('serves the views without a key only where the organization turned public views on', async () => {
      const org = await organization();
      assert.equal((await report(org.write, SEED_REPORT)).statusCode, 200);
      const closed = await view(`/api/status?organization_id=${org.id}`);
      assert.equal(closed.statusCode, 401);
      assert.deepEqual(closed.json(), { detail: 'Invalid or missing API key' });
      assert.equal((await t.admin.patch(`/api/v1/organizations/${org.id}/monitoring/settings`, { public_views: true })).statusCode, 200);
      const open = await view(`/api/status?organization_id=${org.id}`);
      assert.equal(open.statusCode, 200, open.body);
      assert.equal(open.json<{ results: unknown[] }>().results.length, 1);
      // A key sent is still checked, and writing always needs one.
      assert.equal((await view(`/api/status?organization_id=${org.id}`, 'wrong')).statusCode, 401);
      assert.equal((await report(undefined, SEED_REPORT)).statusCode, 401);
      assert.equal((await view('/api/status')).statusCode, 401, "the default organization's views stay closed");
    });

    it('answers unknown routes and methods as FastAPI does', async () => {
      const missing = await view('/api/nothing');
      assert.equal(missing.statusCode, 404);
      assert.deepEqual(missing.json(), { detail: 'Not Found' });
      const method = await t.muster.app.inject({ method: 'GET', url: '/monitoring/api/report' });
      assert.equal(method.statusCode, 405);
      assert.deepEqual(method.json(), { detail: 'Method Not Allowed' });
    });
  });
}

for (const kind of databaseKinds()) {
  describe(`monitoring /monitoring while the database is down (${kind})`, () => {
    let faulty: ReturnType<typeof faultyDb>;
    const { t } = useTestMuster(kind, { db: (db) => (faulty = faultyDb(db)) });

    it('answers 503 with Retry-After in FastAPI’s shape, never 500, and stores again once the database is back', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: 'outage' })).json<{ id: string }>().id;
      const key = (
        await t.admin.post(`/api/v1/organizations/${organization}/api-keys`, { name: 'agents', scopes: ['monitoring:write', 'monitoring:read'] })
      ).json<{ key: string }>().key;
      const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: unknown) =>
        t.muster.app.inject({
          method,
          url: `/monitoring${url}`,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
        });
      assert.equal((await call('POST', '/api/report', SEED_REPORT)).statusCode, 200);
      faulty.down = true;
      try {
        for (const [method, url, payload] of [
          ['POST', '/api/report', SEED_REPORT],
          ['POST', '/api/report', { ...SEED_REPORT, server_alias: 'new-during-outage' }],
          ['GET', '/api/status', undefined],
          ['GET', '/api/machines', undefined],
          ['GET', '/api/docker/gpu-01/containers', undefined],
          ['DELETE', '/api/server/gpu-01', undefined],
        ] as const) {
          const response = await call(method, url, payload);
          assert.equal(response.statusCode, 503, `${method} ${url}: ${response.body}`);
          assert.equal(typeof response.json<{ detail: unknown }>().detail, 'string');
          assert.ok(response.headers['retry-after'], `${method} ${url} has Retry-After`);
        }
      } finally {
        faulty.down = false;
      }
      assert.equal((await call('POST', '/api/report', { ...SEED_REPORT, server_alias: 'new-during-outage' })).statusCode, 200);
      assert.equal((await call('GET', '/api/hosts')).json<{ hosts: unknown[] }>().hosts.length, 2);
    });
  });
}
