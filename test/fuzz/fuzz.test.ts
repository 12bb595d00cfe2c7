import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createRandom } from '../../bench/inventory-fixtures/random.ts';
import { REPO_ROOT } from '../helpers/muster-process.ts';
import { databaseKinds, useTestDatabase } from '../helpers/test-databases.ts';
import { ADMIN_TOKEN, adminHeaders, startTestMuster, type TestMuster } from '../helpers/test-muster.ts';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.ts';
import { generateMutations, loadCorpus, toRequest, type FuzzFixtures, type FuzzRequest, type Route } from './fuzz-cases.ts';

/**
 * The fuzz run (issue 11): the corpus in test/fuzz/corpus and FUZZ_MUTATIONS seeded mutations
 * (FUZZ_SEED) of every route the OpenAPI document lists, sent to a test Muster on each database,
 * six at a time. It holds when no answer is a 5xx, no case gets a status it does not expect, no
 * request takes longer than REQUEST_TIMEOUT_MS, a healthy system's heartbeats keep being answered
 * throughout, every inventory accepted is processed (nothing left retrying), and the heap after
 * a forced collection has grown by less than HEAP_GROWTH_LIMIT. Answers by status are written to
 * artifacts/fuzz/<database>.json.
 */
const MUTATIONS = Number(process.env.FUZZ_MUTATIONS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
const CONCURRENCY = 6;
const REQUEST_TIMEOUT_MS = 5000;
const HEARTBEAT_LIMIT_MS = 3000;
const HEAP_GROWTH_LIMIT = 96 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface Outcome {
  request: FuzzRequest;
  status: number | 'hang';
  ms: number;
}

for (const kind of databaseKinds()) {
  describe(`fuzz: the corpus and ${MUTATIONS} mutations against every appliance and management endpoint (${kind})`, () => {
    let upstream: FakeUpstream;
    let t: TestMuster;
    let applianceKey = '';

    let dashboardDir = '';
    const database = useTestDatabase(kind, async () => {
      await t.close();
      await upstream.close();
    });

    before(async () => {
      upstream = await startFakeUpstream(() => applianceKey);
      // A built dashboard (without one, its routes answer 503 by design).
      dashboardDir = await mkdtemp(path.join(tmpdir(), 'muster-fuzz-dashboard-'));
      await mkdir(path.join(dashboardDir, 'assets'));
      await writeFile(path.join(dashboardDir, 'index.html'), '<!doctype html><html><head><base href="/"></head><body></body></html>');
      await writeFile(path.join(dashboardDir, 'assets', 'app.js'), '');
      t = await startTestMuster(database.db, { ROLES: 'api,worker,scheduler', ALERTMANAGER_URL: upstream.url, DASHBOARD_DIR: dashboardDir });
    });
    after(async () => {
      await rm(dashboardDir, { recursive: true, force: true });
    });

    const inject = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: string | Buffer) =>
      t.muster.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    const adminPost = (url: string, body: object) => inject('POST', url, { ...adminHeaders, 'content-type': 'application/json' }, JSON.stringify(body));

    /** The systems, records, backups and webhook the placeholders name; the healthy system is not among them. */
    async function prepare(): Promise<{ fixtures: FuzzFixtures; appliance: string; healthy: string }> {
      const organization = (await adminPost('/api/v1/organizations', { name: 'fuzz' })).json<{ id: string }>().id;
      const quiet = (await adminPost('/api/v1/organizations', { name: 'healthy' })).json<{ id: string }>().id;
      const appliance = await t.createRegisteredSystem({ organization_id: organization });
      const target = await t.createRegisteredSystem({ organization_id: organization });
      const unregistered = await t.createSystem({ organization_id: organization });
      const healthy = await t.createRegisteredSystem({ organization_id: quiet });
      applianceKey = appliance.systemKey;
      for (const system of [appliance, target]) {
        for (const version of ['1', '2']) {
          const sent = await inject(
            'POST',
            '/api/systems/inventory',
            { authorization: system.basic, 'content-type': 'application/json' },
            JSON.stringify({ fqdn: 'f.example', version }),
          );
          assert.equal(sent.statusCode, 202);
          t.clock.advance(1000);
        }
      }
      await t.muster.inventory.process(appliance.id, target.id);
      const records = (await inject('GET', `/api/v1/systems/${target.id}/inventory`, adminHeaders)).json<{ items: { id: string }[] }>();
      const backup = async (basic: string) =>
        (await inject('POST', '/api/systems/backups', { authorization: basic, 'x-filename': 'fuzz.tar.gz' }, Buffer.from('backup bytes'))).json<{
          data: { id: string };
        }>().data.id;
      const webhook = (await adminPost(`/api/v1/organizations/${organization}/webhooks`, { url: `${upstream.url}/hook` })).json<{ id: string }>().id;
      const fixtures: FuzzFixtures = {
        system_id: target.id,
        system_id_upper: target.id.toUpperCase(),
        appliance_system_id: appliance.id,
        organization_id: organization,
        record_id: records.items[0]!.id,
        backup_id: await backup(target.basic),
        appliance_backup_id: await backup(appliance.basic),
        webhook_id: webhook,
        system_key: appliance.systemKey,
        system_secret: appliance.secret,
        unregistered_secret: unregistered.secret,
        upstream: upstream.url,
        status_500_times: Array.from({ length: 500 }, () => 'status=active').join('&'),
        system_id_501_times: Array.from({ length: 501 }, () => `system_id=${target.id}`).join('&'),
        long_token: 'a'.repeat(5000),
        long_segment: 'a'.repeat(5000),
        string_101: 's'.repeat(101),
        string_201: 's'.repeat(201),
      };
      return { fixtures, appliance: appliance.basic, healthy: healthy.basic };
    }

    async function routes(): Promise<Route[]> {
      const document = (await inject('GET', '/docs/json', {})).json<{
        paths: Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: unknown }>>;
      }>();
      const listed = Object.entries(document.paths).flatMap(([routePath, operations]) =>
        Object.entries(operations).map(([method, operation]) => ({
          method: method.toUpperCase(),
          path: routePath,
          query: (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name),
          hasBody: operation.requestBody !== undefined,
        })),
      );
      // Served but not in the document.
      return [...listed, { method: 'GET', path: '/metrics', query: [], hasBody: false }, { method: 'GET', path: '/', query: [], hasBody: false }];
    }

    async function send(request: FuzzRequest): Promise<Outcome> {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), REQUEST_TIMEOUT_MS)));
      const answer = t.muster.app
        .inject({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          ...(request.payload === undefined ? {} : { payload: request.payload }),
        })
        .then(
          (response) => response.statusCode,
          () => 599,
        );
      const status = await Promise.race([answer, hang]);
      clearTimeout(timer);
      return { request, status, ms: performance.now() - started };
    }

    it('no answer is a 5xx, none hangs, heartbeats keep answering, everything accepted is processed, the heap stays bounded', async (context) => {
      const { fixtures, appliance, healthy } = await prepare();
      const corpus = loadCorpus();
      const requests = createRandom(SEED)
        .shuffle([...corpus, ...generateMutations(await routes(), corpus, fixtures, MUTATIONS, SEED)])
        .map((fuzzCase) => toRequest(fuzzCase, fixtures, { appliance, admin: `Bearer ${ADMIN_TOKEN}` }));

      collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed;
      const started = performance.now();
      let running = true;
      const heartbeats: { status: number; ms: number }[] = [];
      const beating = (async () => {
        while (running) {
          const sent = performance.now();
          const response = await t.heartbeat(healthy);
          heartbeats.push({ status: response.statusCode, ms: performance.now() - sent });
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      const outcomes: Outcome[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < requests.length) outcomes.push(await send(requests[next++]!));
        }),
      );
      running = false;
      await beating;
      const sendingMs = performance.now() - started;

      // Everything accepted gets processed: nothing left waiting or retrying.
      let waiting = Number.POSITIVE_INFINITY;
      for (let attempt = 0; attempt < 150 && waiting > 0; attempt++) {
        waiting = (await database.db.query<{ count: number }>('SELECT count(*)::int AS count FROM inventory_uploads')).rows[0]!.count;
        if (waiting > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const setAside = (await database.db.query<{ count: number }>('SELECT count(*)::int AS count FROM inventory_failed_uploads')).rows[0]!.count;
      collectGarbage();
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;

      const byStatus: Record<string, number> = {};
      for (const outcome of outcomes) byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
      const failures = outcomes.filter(
        (outcome) =>
          outcome.status === 'hang' || outcome.status >= 500 || (outcome.request.expect !== undefined && !outcome.request.expect.includes(outcome.status)),
      );
      const slowest = [...outcomes].sort((a, b) => b.ms - a.ms).slice(0, 5);
      const report = {
        database: kind,
        seed: SEED,
        requests: outcomes.length,
        corpusCases: corpus.length,
        byStatus,
        sendingSeconds: Math.round(sendingMs) / 1000,
        heartbeats: {
          sent: heartbeats.length,
          notOk: heartbeats.filter((beat) => beat.status !== 200).length,
          slowestMs: Math.round(Math.max(0, ...heartbeats.map((beat) => beat.ms))),
        },
        slowest: slowest.map((outcome) => ({ name: outcome.request.name.slice(0, 160), ms: Math.round(outcome.ms) })),
        waitingInventoriesAfter: waiting,
        setAsideInventories: setAside,
        heapGrowthMiB: Math.round(heapGrowth / 1024 / 1024),
        failures: failures
          .slice(0, 50)
          .map((outcome) => ({ status: outcome.status, name: outcome.request.name.slice(0, 200), url: outcome.request.url.slice(0, 200) })),
      };
      mkdirSync(path.join(REPO_ROOT, 'artifacts', 'fuzz'), { recursive: true });
      writeFileSync(path.join(REPO_ROOT, 'artifacts', 'fuzz', `${kind}.json`), `${JSON.stringify(report, null, 2)}\n`);
      context.diagnostic(
        `fuzz ${kind}: ${outcomes.length} requests in ${report.sendingSeconds} s, by status ${JSON.stringify(byStatus)}; heap +${report.heapGrowthMiB} MiB`,
      );

      assert.deepEqual(report.failures, [], 'no 5xx, no hang, every corpus case as expected');
      assert.equal(report.heartbeats.notOk, 0, 'heartbeats answered 200 throughout');
      assert.ok(report.heartbeats.slowestMs < HEARTBEAT_LIMIT_MS, `slowest heartbeat ${report.heartbeats.slowestMs} ms`);
      assert.equal(waiting, 0, 'every accepted inventory processed or set aside');
      assert.ok(heapGrowth < HEAP_GROWTH_LIMIT, `heap grew by ${report.heapGrowthMiB} MiB`);
    });
  });
}
