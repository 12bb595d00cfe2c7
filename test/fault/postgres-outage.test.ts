import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openPostgresDb } from '../../src/db/postgres-db.ts';
import { createRegisteredSystems, findLost, startApplianceLoad, type Answer, type LoadSystem } from '../helpers/appliance-load.ts';
import { startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';
import { privatePostgresAvailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';
import { startSilenceableProxy } from '../helpers/silenceable-proxy.ts';

const ADMIN_TOKEN = 'fault-admin-token-0123456789';
/** Longest any route may take to answer while the database is down. */
const OUTAGE_ANSWER_MS = 5_000;
/** Longest after the server is back until every write succeeds and /api/health is 200. */
const RECOVERY_MS = 5_000;

/**
 * Bodies for the routes that need one to get past validation (a route missing here fails the
 * test). ALERTMANAGER_URL is unset: the proxy's routes that need no database answer 503 too.
 */
const BODIES: Record<string, unknown> = {
  'POST /api/systems/register': { system_secret: `my_${'a'.repeat(20)}.${'b'.repeat(40)}` },
  'POST /api/systems/inventory': { fqdn: 'outage.example.org' },
  'POST /api/services/mimir/alertmanager/api/v2/alerts': [{ labels: { alertname: 'Outage' } }],
  'POST /api/services/mimir/alertmanager/api/v2/silences': {
    matchers: [],
    startsAt: new Date().toISOString(),
    endsAt: new Date(Date.now() + 60_000).toISOString(),
    createdBy: 'test',
    comment: 'outage',
  },
  'POST /api/v1/organizations': { name: 'outage-org' },
  'PATCH /api/v1/organizations/{id}': { name: 'renamed' },
  'PATCH /api/v1/organizations/{id}/heartbeat-daemon/params': { Interval: '4' },
  'POST /api/v1/systems': { name: 'outage-system' },
  'PATCH /api/v1/systems/{id}': { name: 'renamed' },
  'POST /api/v1/systems/bulk': { action: 'suspend', system_ids: ['00000000-0000-4000-8000-000000000000'] },
  'POST /api/v1/systems/{id}/alerts/{alertId}/silence': { duration_minutes: 5 },
  'POST /api/v1/systems/{id}/alerts/{alertId}/acknowledge': { comment: 'outage' },
  'POST /api/v1/organizations/{id}/webhooks': { url: 'http://127.0.0.1:9/hook' },
  'POST /api/v1/users': { email: 'outage@example.org', name: 'Outage', password: 'outage passphrase' },
  'PATCH /api/v1/users/{id}': { name: 'renamed' },
  'POST /api/v1/invitations/accept': { token: `mui_${'a'.repeat(43)}`, password: 'outage passphrase' },
  'PUT /api/v1/organizations/{id}/members/{userId}': { role: 'viewer' },
  'POST /api/v1/organizations/{id}/invitations': { email: 'invited@example.org', role: 'viewer' },
  'POST /api/v1/organizations/{id}/api-keys': { name: 'outage key', scopes: ['systems:read'] },
  'POST /api/v1/session': { email: 'outage@example.org', password: 'outage passphrase' },
  'POST /api/systems/metrics': { cpu: { percent: 12.5 }, disks: [{ mountpoint: '/', percent: 40 }] },
  'PATCH /api/v1/organizations/{id}/monitoring/settings': { public_views: true },
};
/**
 * Routes that answer ADMIN_TOKEN (the requests' credential) without asking the database: a
 * user's own sessions, of which the bootstrap admin has none. Their answer must still come.
 */
const ANSWERED_WITHOUT_DATABASE: Record<string, number> = {
  'GET /api/v1/session': 404,
  'DELETE /api/v1/session': 403,
  'GET /api/v1/sessions': 403,
  'DELETE /api/v1/sessions/{id}': 403,
};
/** Path parameters that must be well-formed to reach the database (any other is a random UUID). */
const BACKUP_ID = '01890a5d-ac96-774b-bcce-b302099a8057.tar.gz';
const PATH_VALUES: Record<string, string> = { queue: 'inventory.process', backupId: BACKUP_ID };
/**
 * Routes that never touch the database: single sign-on's (the provider is their peer; SSO is off
 * here, so they answer 200 or 404 whatever the database does).
 */
const WITHOUT_DATABASE = new Set([
  'GET /api/v1/session/oidc',
  'GET /api/v1/session/oidc/start',
  'GET /api/v1/session/oidc/callback',
  // Personal tokens are users': ADMIN_TOKEN, which this test calls with, is refused (403) before the database.
  'POST /api/v1/tokens',
  'GET /api/v1/tokens',
  'DELETE /api/v1/tokens/{id}',
]);
/** Query strings a route requires. */
const QUERIES: Record<string, string> = { 'GET /api/v1/health-scores': `system_id=${randomUUID()}`, 'GET /api/v1/metrics/top': 'name=cpu.percent' };

interface Route {
  method: string;
  path: string;
  appliance: boolean;
  needsBody: boolean;
}

/** The routes of the OpenAPI document (every appliance and management route; health too). */
async function listRoutes(baseUrl: string): Promise<Route[]> {
  const document = (await (await fetch(`${baseUrl}/docs/json`)).json()) as {
    paths: Record<string, Record<string, { requestBody?: { required?: boolean } }>>;
  };
  const routes = Object.entries(document.paths)
    .flatMap(([routePath, operations]) =>
      Object.entries(operations).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path: routePath,
        appliance: routePath.startsWith('/api/systems') || routePath.startsWith('/api/services'),
        needsBody: operation.requestBody?.required === true,
      })),
    )
    .filter((route) => !WITHOUT_DATABASE.has(`${route.method} ${route.path}`));
  assert.ok(routes.length > 40, `only ${routes.length} routes in the OpenAPI document`);
  const missingBodies = routes.filter((route) => route.needsBody && !(`${route.method} ${route.path}` in BODIES));
  assert.deepEqual(missingBodies, [], 'routes needing a body the table lacks');
  return routes;
}

/** Sends each route a valid request at once; describes every answer that is not a 503 with Retry-After within OUTAGE_ANSWER_MS. */
async function refusals(baseUrl: string, routes: readonly Route[], basic: string): Promise<string[]> {
  const failures = await Promise.all(
    routes.map(async (route) => {
      const { url, init } = requestFor(route, basic);
      const started = Date.now();
      let status: number | string;
      let retryAfter: string | null = null;
      let body = '';
      try {
        const response = await fetch(`${baseUrl}${url}`, { ...init, signal: AbortSignal.timeout(OUTAGE_ANSWER_MS + 5_000) });
        status = response.status;
        retryAfter = response.headers.get('retry-after');
        body = await response.text();
      } catch (error) {
        status = (error as Error).name;
      }
      const elapsed = Date.now() - started;
      if (status === 503 && /^\d+$/.test(retryAfter ?? '') && elapsed <= OUTAGE_ANSWER_MS) return [];
      if (status === ANSWERED_WITHOUT_DATABASE[`${route.method} ${route.path}`] && elapsed <= OUTAGE_ANSWER_MS) return [];
      return [`${route.method} ${route.path}: ${status} retry-after=${retryAfter} in ${elapsed} ms ${body.slice(0, 120)}`];
    }),
  );
  return failures.flat();
}

function requestFor(route: Route, basic: string): { url: string; init: RequestInit } {
  const key = `${route.method} ${route.path}`;
  const backupRoute = route.path.startsWith('/api/systems/backups/');
  const filled = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => (backupRoute ? BACKUP_ID : (PATH_VALUES[name] ?? randomUUID())));
  const url = key in QUERIES ? `${filled}?${QUERIES[key]}` : filled;
  const headers: Record<string, string> = { authorization: route.appliance ? basic : `Bearer ${ADMIN_TOKEN}` };
  let body: Buffer | string | undefined;
  if (key === 'POST /api/systems/backups') {
    body = Buffer.from('backup bytes');
    headers['x-filename'] = 'outage.tar.gz';
    headers['content-type'] = 'application/octet-stream';
  } else if (key in BODIES) {
    body = JSON.stringify(BODIES[key]);
    headers['content-type'] = 'application/json';
  }
  return { url, init: { method: route.method, headers, ...(body === undefined ? {} : { body }) } };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls /api/health every 100 ms, recording each answer, until stopped. */
function pollHealth(baseUrl: string) {
  const answers: { at: number; status: number }[] = [];
  let stopped = false;
  const polling = (async () => {
    while (!stopped) {
      const status = await fetch(`${baseUrl}/api/health`, { signal: AbortSignal.timeout(OUTAGE_ANSWER_MS) }).then(
        async (response) => (await response.arrayBuffer(), response.status),
        () => 0,
      );
      answers.push({ at: Date.now(), status });
      await sleep(100);
    }
  })();
  return {
    answers,
    stop: async () => {
      stopped = true;
      await polling;
    },
  };
}

const succeeded = (answer: Answer) => answer.status === 200 || answer.status === 202;

describe('PostgreSQL outages', { skip: !privatePostgresAvailable() && 'no PostgreSQL server binaries (CI=true makes this a failure)' }, () => {
  let cluster: PrivatePostgres;
  let muster: RunningMuster;
  let dataDir: string;
  let databaseUrl: string;
  let systems: LoadSystem[];

  before(async () => {
    cluster = await startPrivatePostgres();
    databaseUrl = await cluster.createDatabase('muster');
    dataDir = await mkdtemp(path.join(tmpdir(), 'muster-outage-'));
    muster = await startMusterProcess({ DATABASE_URL: databaseUrl, DATA_DIR: dataDir, ADMIN_TOKEN });
    systems = await createRegisteredSystems(muster.url, ADMIN_TOKEN, 4);
  });

  after(async () => {
    muster?.child.kill('SIGKILL');
    await muster?.exited;
    await cluster?.dispose();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('every appliance and management route answers 503 with Retry-After within a few seconds while the server is stopped', async () => {
    const routes = await listRoutes(muster.url);
    const [cached, uncached] = systems as [LoadSystem, LoadSystem];
    // The first system's credentials are cached: its requests get past authentication to the database.
    const beat = await fetch(`${muster.url}/api/systems/heartbeat`, { method: 'POST', headers: { authorization: cached.basic } });
    assert.equal(beat.status, 200);

    await cluster.stop('fast');
    try {
      const failures: string[] = [];
      for (const route of routes) failures.push(...(await refusals(muster.url, [route], cached.basic)));
      for (const route of routes.filter((candidate) => candidate.appliance)) failures.push(...(await refusals(muster.url, [route], uncached.basic)));
      assert.deepEqual(failures, []);
      // Monitoring still works: the scrape answers, counting the heartbeats refused meanwhile.
      const metrics = await fetch(`${muster.url}/metrics`, { signal: AbortSignal.timeout(OUTAGE_ANSWER_MS) });
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /muster_heartbeats_rejected_total\{reason="unavailable"\} [1-9]/);
    } finally {
      await cluster.start();
    }
  });

  it('every route answers 503 with Retry-After within a few seconds while the server is silent (neither answering nor refusing), and writes succeed again once it answers', async (t) => {
    const proxy = await startSilenceableProxy(cluster.port);
    const silentDir = await mkdtemp(path.join(tmpdir(), 'muster-silent-'));
    const timeouts = { DATABASE_CONNECT_TIMEOUT: '1s', DATABASE_STATEMENT_TIMEOUT: '1s' };
    const silent = await startMusterProcess({
      DATABASE_URL: databaseUrl.replace(`:${cluster.port}/`, `:${proxy.port}/`),
      DATA_DIR: silentDir,
      ADMIN_TOKEN,
      ...timeouts,
    });
    try {
      const routes = await listRoutes(silent.url);
      const [system] = await createRegisteredSystems(silent.url, ADMIN_TOKEN, 1);
      const beat = await fetch(`${silent.url}/api/systems/heartbeat`, { method: 'POST', headers: { authorization: system!.basic } });
      assert.equal(beat.status, 200);

      proxy.silenced = true;
      // All at once: they wait on each other for the few connections, as requests in an outage do.
      const started = Date.now();
      assert.deepEqual(await refusals(silent.url, routes, system!.basic), []);
      t.diagnostic(`silent server: ${routes.length} routes refused with 503 in ${Date.now() - started} ms (connect and statement timeouts 1 s)`);

      proxy.silenced = false;
      const answering = Date.now();
      let status = 0;
      while (status !== 200 && Date.now() - answering < RECOVERY_MS) {
        status = (await fetch(`${silent.url}/api/systems/heartbeat`, { method: 'POST', headers: { authorization: system!.basic } })).status;
        if (status !== 200) await sleep(100);
      }
      assert.equal(status, 200, `heartbeats still refused ${RECOVERY_MS} ms after the server answers again`);
      t.diagnostic(`silent server: heartbeats stored again ${Date.now() - answering} ms after it answers`);
    } finally {
      silent.child.kill('SIGKILL');
      await silent.exited;
      await proxy.close();
      await rm(silentDir, { recursive: true, force: true });
    }
  });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`keeps answering through a restart (pg_ctl stop -m ${mode}) under load: 503 with Retry-After while it is down, nothing acknowledged lost, writes and health back within 5 s`, async (t) => {
      const load = startApplianceLoad(muster.url, systems, { tag: `restart-${mode}`, maxDurationMs: 30_000 });
      const health = pollHealth(muster.url);
      try {
        await sleep(1_500);
        await cluster.stop(mode);
        const downAt = Date.now();
        await sleep(2_000);
        await cluster.start();
        const backAt = Date.now();
        // Until writes of both kinds and the health check have succeeded since, then a while longer.
        const recovered = () =>
          load.result.answers.some((answer) => answer.at > backAt && answer.kind === 'heartbeat' && succeeded(answer)) &&
          load.result.answers.some((answer) => answer.at > backAt && answer.kind === 'inventory' && succeeded(answer)) &&
          health.answers.some((answer) => answer.at > backAt && answer.status === 200);
        while (!recovered() && Date.now() - backAt < RECOVERY_MS * 2) await sleep(50);
        await sleep(1_500);
        const result = await load.stop();
        await health.stop();

        assert.equal(muster.child.exitCode, null, `Muster exited:\n${muster.stderr().slice(-3000)}`);
        const wrong = result.answers.filter((answer) => !succeeded(answer) && !(answer.status === 503 && /^\d+$/.test(answer.retryAfter ?? '')));
        assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} answers neither 2xx nor 503 with Retry-After (0: no answer, -1: none within 5 s)`);
        const refusedDuringOutage = result.answers.filter((answer) => answer.at > downAt && answer.at < backAt && answer.status === 503).length;
        assert.ok(refusedDuringOutage > 0, 'requests were refused while the server was down');
        assert.ok(
          health.answers.some((answer) => answer.at > downAt && answer.at < backAt && answer.status === 503),
          '/api/health said 503 while it was down',
        );

        const lastFailure = Math.max(backAt, ...result.answers.filter((answer) => !succeeded(answer)).map((answer) => answer.at));
        const firstHealthy = health.answers.find((answer) => answer.at > backAt && answer.status === 200)?.at ?? Infinity;
        const lastUnhealthy = Math.max(backAt, ...health.answers.filter((answer) => answer.status !== 200).map((answer) => answer.at));
        t.diagnostic(
          `${mode} restart: ${result.answers.length} answers, ${result.heartbeatsAcknowledged} heartbeats and ${result.inventories.size} inventories acknowledged, ` +
            `${refusedDuringOutage} refused (503) while down; every write succeeds ${lastFailure - backAt} ms and /api/health is 200 ${firstHealthy - backAt} ms after the server is back`,
        );
        assert.ok(lastFailure - backAt <= RECOVERY_MS, `writes still failed ${lastFailure - backAt} ms after the server was back`);
        assert.ok(
          lastUnhealthy - backAt <= RECOVERY_MS && firstHealthy - backAt <= RECOVERY_MS,
          `/api/health was 200 only ${firstHealthy - backAt} ms after the server was back`,
        );

        const db = await openPostgresDb({ connectionString: databaseUrl, poolSize: 1 });
        try {
          const lost = await findLost(db, result);
          t.diagnostic(`${mode} restart: ${lost.inventories.length} inventories and ${lost.heartbeats.length} heartbeats lost`);
          assert.deepEqual(lost, { inventories: [], heartbeats: [] });
        } finally {
          await db.close();
        }
      } finally {
        await load.stop();
        await health.stop();
        if (!cluster.running) await cluster.start();
      }
    });
  }
});
