import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { faultyDb } from '../../../test/helpers/faulty-db.ts';
import { longNumber, longString, manyElements, nestedArraysInObject, nestedObjects } from '../../../test/helpers/hostile-bodies.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { startTestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { ManualClock } from '../../clock/clock.ts';

const HEARTBEAT = { Component: 'x3000c0s1b0n0', Hostname: 'nid000001', NID: '1', Status: 'OK', Timestamp: '2021-09-23T22:52:00.955107+00:00' };

for (const kind of databaseKinds()) {
  describe(`heartbeat-daemon /hmi/v1 (${kind})`, () => {
    const { t, database } = useTestMuster(kind);

    async function newOrganization(name = `hpc-${Math.random().toString(36).slice(2, 8)}`) {
      const response = await t.admin.post('/api/v1/organizations', { name });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string }>().id;
    }

    async function newKey(organizationId: string, scopes = ['heartbeat-daemon']) {
      const response = await t.admin.post(`/api/v1/organizations/${organizationId}/api-keys`, { name: 'hbtd', scopes });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ key: string }>().key;
    }

    async function client(organizationId?: string) {
      const organization = organizationId ?? (await newOrganization());
      const key = await newKey(organization);
      const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
        t.muster.app.inject({
          method,
          url: `/hmi/v1${url}`,
          headers: { authorization: `Bearer ${key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
        });
      return { organization, key, call };
    }

    function assertProblem(response: LightMyRequestResponse, status: number, detail: string, instance: string, title = 'Invalid Request') {
      assert.equal(response.statusCode, status, response.body);
      assert.equal(response.headers['content-type'], 'application/problem+json');
      assert.equal(response.body, `${JSON.stringify({ type: 'about:blank', title, detail, instance, status })}\n`);
    }

    it('answers a heartbeat 200 with an empty body, and creates the component as a system of type node named by its xname', async () => {
      const { organization, call } = await client();
      const response = await call('POST', '/heartbeat', HEARTBEAT);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.body, '');
      const systems = (await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ items: Record<string, unknown>[] }>().items;
      assert.equal(systems.length, 1);
      const [system] = systems;
      assert.equal(system!.name, 'x3000c0s1b0n0');
      assert.equal(system!.type, 'node');
      assert.equal(system!.source, 'heartbeat-daemon');
      assert.equal(system!.external_id, 'x3000c0s1b0n0');
      assert.equal(system!.status, 'active');
      assert.equal(system!.registered, true);
      // Beating again touches the same system.
      assert.equal((await call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
      assert.equal((await call('POST', '/heartbeat/x3000c0s1b0n0', { Status: 'OK', Timestamp: 'later' })).statusCode, 200);
      assert.equal((await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ total: number }>().total, 1);
    });

    it('creates a burst of new components once each, and refreshes the planner statistics of the tables it grew', async () => {
      const { organization, call } = await client();
      const statistics = async () =>
        (
          await database.db.query<{ analyzed: number }>(
            "SELECT coalesce(sum(analyze_count + autoanalyze_count), 0)::int AS analyzed FROM pg_stat_user_tables WHERE relname IN ('systems', 'system_liveness')",
          )
        ).rows[0]!.analyzed;
      const analyzedBefore = await statistics();
      const xnames = Array.from({ length: 1_200 }, (_, index) => `x${3000 + Math.floor(index / 64)}c0s${index % 64}b0n0`);
      // Every component twice, in waves that overlap the creations of the previous ones.
      const answers = await Promise.all(
        [...xnames, ...xnames].map(async (xname, index) => {
          if (index % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
          return call('POST', '/heartbeat', { ...HEARTBEAT, Component: xname });
        }),
      );
      assert.deepEqual([...new Set(answers.map((answer) => answer.statusCode))], [200]);
      const { rows } = await database.db.query<{ systems: number; names: number; liveness: number }>(
        `SELECT count(*)::int AS systems, count(DISTINCT external_id)::int AS names, count(l.system_id)::int AS liveness
         FROM systems s LEFT JOIN system_liveness l ON l.system_id = s.id WHERE s.organization_id = $1`,
        [organization],
      );
      assert.deepEqual(rows[0], { systems: 1_200, names: 1_200, liveness: 1_200 });
      await eventually(async () => (await statistics()) > analyzedBefore, 'statistics refreshed after the burst');
    });

    it('normalizes xnames everywhere: a heartbeat as X0C0S0B0N0 and a query for x0c0s0b0n0 meet', async () => {
      const { organization, call } = await client();
      assert.equal((await call('POST', '/heartbeat', { ...HEARTBEAT, Component: 'X0C0S0B0N0' })).statusCode, 200);
      assert.equal((await call('POST', '/heartbeat/X0C0S0B0N1', { Status: 'OK', Timestamp: 'now' })).statusCode, 200);
      const single = await call('GET', '/hbstate/x0c0s0b0n0');
      assert.equal(single.statusCode, 200);
      assert.equal(single.headers['content-type'], 'application/json');
      assert.deepEqual(single.json(), { XName: 'x0c0s0b0n0', Heartbeating: true });
      assert.deepEqual((await call('GET', '/hbstate/x00c0s0b0n01')).json(), { XName: 'x0c0s0b0n1', Heartbeating: true });
      const names = (await t.admin.get(`/api/v1/systems?organization_id=${organization}&sort=name`))
        .json<{ items: { name: string }[] }>()
        .items.map((item) => item.name);
      assert.deepEqual(names, ['x0c0s0b0n0', 'x0c0s0b0n1']);
    });

    it('refuses bad heartbeats with the daemon’s problems, and stores nothing', async () => {
      const { organization, call } = await client();
      const cases: [unknown, string][] = [
        ['not json', 'Invalid JSON data type'],
        [{ ...HEARTBEAT, Component: '' }, 'Missing Component field'],
        [{ Component: 'x0c0s0b0n0', Timestamp: 't' }, 'Missing Status field'],
        [{ Component: 'x0c0s0b0n0', Status: 'OK' }, 'Missing Timestamp field'],
        [{ ...HEARTBEAT, NID: 7 }, 'Invalid data type in NID field'],
        [{ ...HEARTBEAT, Component: 'node-1' }, 'Invalid Component Name'],
        [{ ...HEARTBEAT, NID: 'one' }, 'Invalid NID'],
      ];
      for (const [body, detail] of cases) assertProblem(await call('POST', '/heartbeat', body), 400, detail, '/hmi/v1/heartbeat');
      assertProblem(
        await call('POST', '/heartbeat/not-an-xname', { Status: 'OK', Timestamp: 't' }),
        400,
        'Invalid Component Name',
        '/hmi/v1/heartbeat/not-an-xname',
      );
      // Keys match case-insensitively; Hostname and NID are optional.
      assert.equal((await call('POST', '/heartbeat', { component: 'x0c0s0b0n5', STATUS: 'OK', TimeStamp: 't' })).statusCode, 200);
      const names = (await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ items: { name: string }[] }>().items.map((item) => item.name);
      assert.deepEqual(names, ['x0c0s0b0n5']);
    });

    it('answers a wrong method 405 with Allow', async () => {
      const { call } = await client();
      const heartbeat = await call('GET', '/heartbeat');
      assertProblem(heartbeat, 405, 'Only POST operations supported', '/hmi/v1/heartbeat');
      assert.equal(heartbeat.headers.allow, 'POST');
      const params = await call('POST', '/params', {});
      assertProblem(params, 405, 'Only PATCH and GET operations supported', '/hmi/v1/params');
      assert.equal(params.headers.allow, 'GET,PATCH');
      assert.equal((await call('DELETE', '/hbstates')).headers.allow, 'POST');
      assert.equal((await call('POST', '/hbstate/x0c0s0b0n0')).headers.allow, 'GET');
    });

    it('needs an API key with the heartbeat-daemon scope; the key decides the organization', async () => {
      const anonymous = await t.muster.app.inject({ method: 'POST', url: '/hmi/v1/heartbeat', payload: HEARTBEAT });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.headers['content-type'], 'application/problem+json');
      assert.match(String(anonymous.headers['www-authenticate']), /^Bearer/);
      const organization = await newOrganization();
      const readKey = await newKey(organization, ['systems:read']);
      const wrongScope = await t.muster.app.inject({
        method: 'POST',
        url: '/hmi/v1/heartbeat',
        headers: { authorization: `Bearer ${readKey}` },
        payload: HEARTBEAT,
      });
      assert.equal(wrongScope.statusCode, 403);
      assert.equal(wrongScope.json<{ status: number }>().status, 403);

      // One xname in two organizations: two systems, each organization seeing only its own.
      const first = await client();
      const second = await client();
      assert.equal((await first.call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
      assert.deepEqual((await second.call('GET', '/hbstate/x3000c0s1b0n0')).json(), { XName: 'x3000c0s1b0n0', Heartbeating: false });
      assert.equal((await second.call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
      for (const organizationId of [first.organization, second.organization]) {
        assert.equal((await t.admin.get(`/api/v1/systems?organization_id=${organizationId}`)).json<{ total: number }>().total, 1);
      }
    });

    it('refuses heartbeats of a suspended component, and tracks a deleted one anew', async () => {
      const { organization, call } = await client();
      assert.equal((await call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
      const [system] = (await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ items: { id: string }[] }>().items;
      assert.equal((await t.admin.post(`/api/v1/systems/${system!.id}/suspend`)).statusCode, 200);
      assertProblem(await call('POST', '/heartbeat', HEARTBEAT), 403, 'Component x3000c0s1b0n0 is suspended in Muster', '/hmi/v1/heartbeat', 'Forbidden');
      assert.equal((await t.admin.post(`/api/v1/systems/${system!.id}/reactivate`)).statusCode, 200);
      assert.equal((await call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
      assert.equal((await t.admin.delete(`/api/v1/systems/${system!.id}`)).statusCode, 200);
      assert.equal((await call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
      const live = (await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ items: { id: string }[] }>().items;
      assert.equal(live.length, 1);
      assert.notEqual(live[0]!.id, system!.id);
    });

    it('shows the daemon’s parameters with the organization’s thresholds as Warntime and Errtime', async () => {
      const { organization, call } = await client();
      const response = await call('GET', '/params');
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'application/json');
      // An organization that inherits the global thresholds (10 minutes, no warning).
      assert.equal(
        response.body,
        JSON.stringify({
          Debug: '0',
          Nosm: '0',
          Use_telemetry: '1',
          Telemetry_host: '',
          Warntime: '0',
          Errtime: '600',
          Port: '28500',
          Kv_url: 'https://localhost:2379',
          Interval: '5',
          Sm_url: '',
          Sm_timeout: '10',
          Sm_retries: '3',
        }),
      );
      const patched = await call('PATCH', '/params', { Warntime: '5', Errtime: '0x14', Sm_url: 'http://hsm.example/hsm/v2', Nosm: 'off', sm_retries: '5' });
      assert.equal(patched.statusCode, 200, patched.body);
      const params = patched.json<Record<string, string>>();
      assert.equal(params.Warntime, '5');
      assert.equal(params.Errtime, '20');
      assert.equal(params.Sm_url, 'http://hsm.example/hsm/v2');
      assert.equal(params.Sm_retries, '5');
      assert.deepEqual((await call('GET', '/params')).json(), params);
      const thresholds = (await t.admin.get(`/api/v1/organizations/${organization}`)).json<Record<string, number>>();
      assert.equal(thresholds.heartbeat_warning_seconds, 5);
      assert.equal(thresholds.heartbeat_timeout_seconds, 20);
      // Operators see and change the same parameters.
      assert.deepEqual((await t.admin.get(`/api/v1/organizations/${organization}/heartbeat-daemon/params`)).json(), params);
      const byOperator = await t.admin.patch(`/api/v1/organizations/${organization}/heartbeat-daemon/params`, { Interval: '3' });
      assert.equal(byOperator.statusCode, 200, byOperator.body);
      assert.equal((await call('GET', '/params')).json<Record<string, string>>().Interval, '3');
    });

    it('refuses a PATCH with any invalid value whole, with one clause per bad field', async () => {
      const { call } = await client();
      const before = (await call('GET', '/params')).body;
      const cases: [Record<string, unknown> | string, string][] = [
        [{ Warntime: 'x' }, "Parameter 'warntime' with illegal value 'x'; "],
        [{ Errtime: '-1' }, "Parameter 'errtime' with illegal value '-1'; "],
        [{ Interval: '1.5' }, "Parameter 'interval' with illegal value '1.5'; "],
        [{ Sm_timeout: 'soon' }, "Parameter 'sm_timeout' with illegal value 'soon'; "],
        [{ Sm_retries: '4294967296' }, "Parameter 'sm_retries' with illegal value '4294967296'; "],
        [{ Debug: 'y' }, "Parameter 'debug' with illegal value 'y'; "],
        [{ Nosm: 'maybe' }, "Parameter 'nosm' with illegal value 'maybe'; "],
        [{ Use_telemetry: 'sometimes' }, "Parameter 'use_telemetry' with unknown value 'sometimes'; "],
        [{ Telemetry_host: 'kafka:9092' }, "Parameter 'telemetry_host' with invalid format 'kafka:9092'; "],
        [{ Port: '1234' }, "Parameter 'port' can't be changed in PATCH operation; "],
        [
          { Warntime: 'x', Sm_url: 'http://elsewhere', Port: '1' },
          "Parameter 'warntime' with illegal value 'x'; Parameter 'port' can't be changed in PATCH operation; ",
        ],
        [{ Warntime: 5 }, 'Invalid data type in Warntime field. '],
        // Muster's own: a timeout of at least a second, and a warning before it.
        [{ Errtime: '0' }, "Parameter 'errtime' with illegal value '0'; "],
        [{ Warntime: '40', Errtime: '30' }, "Parameter 'warntime' must be lower than errtime (30); "],
      ];
      for (const [body, detail] of cases) assertProblem(await call('PATCH', '/params', body), 400, detail, '/hmi/v1/params');
      assert.equal((await call('GET', '/params')).body, before, 'nothing changed');
    });

    it('tells which components are heartbeating at ages 0, 10 and 30 s with Warntime 5 and Errtime 20', async () => {
      const { call } = await client();
      assert.equal((await call('PATCH', '/params', { Warntime: '5', Errtime: '20' })).statusCode, 200);
      assert.equal((await call('POST', '/heartbeat', { ...HEARTBEAT, Component: 'x0c0s0b0n0' })).statusCode, 200);
      const states = async () => (await call('POST', '/hbstates', { XNames: ['x0c0s0b0n0', 'X0C0S0B0N9'] })).json();
      assert.deepEqual(await states(), {
        HBStates: [
          { XName: 'x0c0s0b0n0', Heartbeating: true },
          { XName: 'x0c0s0b0n9', Heartbeating: false },
        ],
      });
      t.clock.advance(10_000);
      await t.muster.scanner.runOnce();
      assert.deepEqual((await call('GET', '/hbstate/x0c0s0b0n0')).json(), { XName: 'x0c0s0b0n0', Heartbeating: true }, 'a warned component still counts');
      t.clock.advance(20_000);
      await t.muster.scanner.runOnce();
      assert.deepEqual((await call('GET', '/hbstate/x0c0s0b0n0')).json(), { XName: 'x0c0s0b0n0', Heartbeating: false });
      assert.deepEqual((await call('POST', '/hbstates', { xnames: [] })).json(), { HBStates: null });
      assertProblem(await call('POST', '/hbstates', { XNames: [1] }), 400, 'Error unmarshalling inbound request', '/hmi/v1/hbstates');
      assertProblem(await call('POST', '/hbstates', '{'), 400, 'Error unmarshalling inbound request', '/hmi/v1/hbstates');
    });

    it('refuses hostile bodies with a 4xx problem, stores nothing, and keeps answering', async () => {
      const { organization, call } = await client();
      // Past the API's JSON limits or the body limits: refused on every route.
      const beyondLimits = [
        nestedObjects(20_000),
        nestedArraysInObject(20_000),
        manyElements(2_000_000),
        longString(2 * 1024 * 1024),
        longNumber(5000),
        '{"Component":"x0c0s0b0n0","Status":"OK\\u0000","Timestamp":"t"}',
        '{"Component":"x0c0s0b0n0","Status":"\\ud800","Timestamp":"t"}',
      ];
      // Heartbeats also refuse what only they cannot take (unknown keys elsewhere are ignored, as by the daemon).
      const badHeartbeats = [manyElements(100), `{"Component":"${'x0'.repeat(40_000)}","Status":"OK","Timestamp":"t"}`, '[]', '"x"', '{"Component":{"a":1}}'];
      for (const url of ['/heartbeat', '/heartbeat/x0c0s0b0n0', '/params', '/hbstates']) {
        for (const body of url.startsWith('/heartbeat') ? [...beyondLimits, ...badHeartbeats] : beyondLimits) {
          const response = await call(url === '/params' ? 'PATCH' : 'POST', url, body);
          assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${url}: ${response.statusCode} ${response.body.slice(0, 200)}`);
          assert.equal(response.headers['content-type'], 'application/problem+json');
        }
      }
      assert.equal((await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ total: number }>().total, 0);
      assert.equal((await call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
    });

    it('applies a parameters change at once on another node: its answers and its scanner use the new thresholds', async () => {
      const { organization, key, call } = await client();
      const second = await startTestMuster(await database.openAnother(), {}, new ManualClock(t.clock.now()));
      try {
        const onSecond = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
          second.muster.app.inject({
            method,
            url: `/hmi/v1${url}`,
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
          });
        assert.equal((await onSecond('GET', '/params')).json<Record<string, string>>().Errtime, '600');
        assert.equal((await call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
        assert.equal((await call('PATCH', '/params', { Warntime: '5', Errtime: '20' })).statusCode, 200);
        const seen = (await onSecond('GET', '/params')).json<Record<string, string>>();
        assert.equal(seen.Warntime, '5');
        assert.equal(seen.Errtime, '20');
        second.clock.advance(21_000);
        await second.muster.scanner.runOnce();
        assert.deepEqual((await onSecond('GET', '/hbstate/x3000c0s1b0n0')).json(), { XName: 'x3000c0s1b0n0', Heartbeating: false });
        const [system] = (await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ items: { status: string }[] }>().items;
        assert.equal(system!.status, 'inactive', "the second node's scanner applied Errtime 20");
      } finally {
        await second.close();
      }
    });

    it('answers the probes without credentials', async () => {
      const health = await t.muster.app.inject({ method: 'GET', url: '/hmi/v1/health' });
      assert.equal(health.statusCode, 200);
      assert.deepEqual(health.json(), {
        KvStore: 'Initialization key present: database reachable',
        MsgBus: 'Connected and OPEN',
        HsmStatus: 'Not initialized',
      });
      assert.equal((await t.muster.app.inject({ method: 'GET', url: '/hmi/v1/liveness' })).statusCode, 204);
      assert.equal((await t.muster.app.inject({ method: 'GET', url: '/hmi/v1/readiness' })).statusCode, 204);
    });
  });
}

for (const kind of databaseKinds()) {
  describe(`heartbeat-daemon /hmi/v1 while the database is down (${kind})`, () => {
    let faulty: ReturnType<typeof faultyDb>;
    const { t } = useTestMuster(kind, { db: (db) => (faulty = faultyDb(db)) });

    it('answers 503 problems with Retry-After, never 500, and stores again once the database is back', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: 'outage' })).json<{ id: string }>().id;
      const key = (await t.admin.post(`/api/v1/organizations/${organization}/api-keys`, { name: 'hbtd', scopes: ['heartbeat-daemon'] })).json<{ key: string }>()
        .key;
      const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) =>
        t.muster.app.inject({
          method,
          url: `/hmi/v1${url}`,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
        });
      assert.equal((await call('POST', '/heartbeat', HEARTBEAT)).statusCode, 200);
      faulty.down = true;
      try {
        for (const [method, url, payload] of [
          ['POST', '/heartbeat', HEARTBEAT],
          ['POST', '/heartbeat', { ...HEARTBEAT, Component: 'x3000c0s1b0n1' }],
          ['GET', '/params', undefined],
          ['PATCH', '/params', { Interval: '4' }],
          ['POST', '/hbstates', { XNames: ['x3000c0s1b0n0'] }],
          ['GET', '/hbstate/x3000c0s1b0n0', undefined],
        ] as const) {
          const response = await call(method, url, payload);
          assert.equal(response.statusCode, 503, `${method} ${url}: ${response.body}`);
          assert.equal(response.headers['content-type'], 'application/problem+json');
          assert.ok(response.headers['retry-after'], `${method} ${url} has Retry-After`);
        }
        assert.equal((await t.muster.app.inject({ method: 'GET', url: '/hmi/v1/readiness' })).statusCode, 503);
        const health = await t.muster.app.inject({ method: 'GET', url: '/hmi/v1/health' });
        assert.equal(health.statusCode, 200);
        assert.equal(health.json<{ KvStore: string }>().KvStore, 'Error accessing key values:database unavailable');
      } finally {
        faulty.down = false;
      }
      assert.equal((await call('POST', '/heartbeat', { ...HEARTBEAT, Component: 'x3000c0s1b0n1' })).statusCode, 200);
      assert.equal((await t.muster.app.inject({ method: 'GET', url: '/hmi/v1/readiness' })).statusCode, 204);
    });
  });
}

for (const kind of databaseKinds()) {
  describe(`heartbeat-daemon components past DIALECT_MAX_SYSTEMS_PER_ORGANIZATION (${kind})`, () => {
    const { t } = useTestMuster(kind, { env: { DIALECT_MAX_SYSTEMS_PER_ORGANIZATION: '2' } });

    it('creates systems up to the limit, refuses new components past it with 403, and keeps taking the known ones', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: 'capped' })).json<{ id: string }>().id;
      const key = (await t.admin.post(`/api/v1/organizations/${organization}/api-keys`, { name: 'hbtd', scopes: ['heartbeat-daemon'] })).json<{ key: string }>()
        .key;
      const beat = (xname: string) =>
        t.muster.app.inject({
          method: 'POST',
          url: '/hmi/v1/heartbeat',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          payload: JSON.stringify({ ...HEARTBEAT, Component: xname }),
        });
      // Three at once: one creation batch.
      const answers = await Promise.all(['x0c0s0b0n0', 'x0c0s0b0n1', 'x0c0s0b0n2'].map(beat));
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [200, 200, 403]);
      const refused = answers.find((answer) => answer.statusCode === 403)!;
      assert.equal(refused.headers['content-type'], 'application/problem+json');
      assert.match(refused.json<{ detail: string }>().detail, /DIALECT_MAX_SYSTEMS_PER_ORGANIZATION/);
      assert.equal((await t.admin.get(`/api/v1/systems?organization_id=${organization}`)).json<{ total: number }>().total, 2);
      const created = answers.flatMap((answer, index) => (answer.statusCode === 200 ? [`x0c0s0b0n${index}`] : []));
      for (const xname of created) assert.equal((await beat(xname)).statusCode, 200);
      assert.equal((await beat('x0c0s0b0n7')).statusCode, 403);
    });
  });
}
