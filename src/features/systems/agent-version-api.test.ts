import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { genericInventory } from '../../../test/fixtures/sample-inventories.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { startTestMuster, useTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import type { Db, QueryOptions } from '../../db/db.ts';

const AGENT = (version: string) => `muster-agent/${version} (linux; x64)`;

/** The database, counting the agent version writes that reach it (and failing them while `failing`). */
function countingWrites(db: Db, writes: { count: number; failing: boolean }): Db {
  return {
    ...db,
    query: <Row>(text: string, params?: readonly unknown[], options?: QueryOptions) => {
      if (text.includes('SET agent_version')) {
        writes.count++;
        if (writes.failing) return Promise.reject(new Error('connection terminated unexpectedly'));
      }
      return db.query<Row>(text, params, options);
    },
  };
}

interface Listed {
  id: string;
  name: string;
  agent_version: string | null;
  agent_version_changed_at: string | null;
}

for (const kind of databaseKinds()) {
  describe(`agent versions: recorded from appliance requests, listed, filtered, sorted (${kind})`, () => {
    const writes = { count: 0, failing: false };
    const { t } = useTestMuster(kind, { db: (db) => countingWrites(db, writes) });

    const send = (basic: string, route: 'heartbeat' | 'inventory' | 'metrics', userAgent: string | undefined): Promise<LightMyRequestResponse> =>
      t.muster.app.inject({
        method: 'POST',
        url: `/api/systems/${route}`,
        headers: { authorization: basic, 'content-type': 'application/json', ...(userAgent === undefined ? {} : { 'user-agent': userAgent }) },
        payload: route === 'heartbeat' ? '{}' : route === 'inventory' ? JSON.stringify(genericInventory()) : JSON.stringify({ cpu: { percent: 12 } }),
      });
    const system = async (id: string) => (await t.admin.get(`/api/v1/systems/${id}`)).json<Listed>();
    const versionOf = async (id: string) => (await system(id)).agent_version;
    const recorded = (id: string, version: string) => eventually(async () => (await versionOf(id)) === version, `agent version ${version}`);
    const list = async (query: string) => {
      const response = await t.admin.get(`/api/v1/systems?page_size=500&${query}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<{ items: Listed[]; total: number }>().items.map((item) => item.name);
    };

    it('records the version a heartbeat, an inventory and a metrics report name, and a later one; other clients change nothing', async () => {
      const organization = await t.createOrganization('agents');
      for (const route of ['heartbeat', 'inventory', 'metrics'] as const) {
        const appliance = await t.createRegisteredSystem({ name: `by-${route}`, organization_id: organization.id });
        assert.equal(await versionOf(appliance.id), null, 'no agent seen yet');
        const first = await send(appliance.basic, route, AGENT('1.2.3'));
        assert.ok(first.statusCode < 300, first.body);
        await recorded(appliance.id, '1.2.3');
        assert.ok((await system(appliance.id)).agent_version_changed_at, 'with the time it was recorded');

        assert.ok((await send(appliance.basic, route, AGENT('1.3.0'))).statusCode < 300);
        await recorded(appliance.id, '1.3.0');

        // Another client, a malformed version: answered as ever, the version left as it is.
        for (const other of ['curl/8.0', 'python-requests/2.31.0', 'muster-agent/<script>', 'muster-agent/', `muster-agent/1.${'9'.repeat(70)}`, undefined]) {
          const response = await send(appliance.basic, route, other);
          assert.ok(response.statusCode < 300, `${other}: ${response.statusCode}`);
        }
        assert.equal(await versionOf(appliance.id), '1.3.0');
      }
      // The system's own answer (GET /api/systems/info) is an appliance request too.
      const info = await t.createRegisteredSystem({ name: 'by-info', organization_id: organization.id });
      await t.muster.app.inject({ method: 'GET', url: '/api/systems/info', headers: { authorization: info.basic, 'user-agent': AGENT('2.0.0-rc.1') } });
      await recorded(info.id, '2.0.0-rc.1');
    });

    it('writes only when the version changes: repeated heartbeats with one version issue no UPDATE', async () => {
      const appliance = await t.createRegisteredSystem({ name: 'repeated' });
      await send(appliance.basic, 'heartbeat', AGENT('1.2.3'));
      await recorded(appliance.id, '1.2.3');
      const before = writes.count;
      for (let beat = 0; beat < 20; beat++) assert.equal((await send(appliance.basic, 'heartbeat', AGENT('1.2.3'))).statusCode, 200);
      assert.equal(writes.count, before, 'no write for a version already stored');
      await send(appliance.basic, 'heartbeat', AGENT('1.2.4'));
      await recorded(appliance.id, '1.2.4');
      assert.equal(writes.count, before + 1, 'one write for the new version');
    });

    it('a failed write does not fail the request and is retried by the next request', async () => {
      const appliance = await t.createRegisteredSystem({ name: 'retried' });
      writes.failing = true;
      const failedFrom = writes.count;
      try {
        assert.equal((await send(appliance.basic, 'heartbeat', AGENT('3.1.0'))).statusCode, 200, 'the heartbeat is stored all the same');
        await eventually(() => writes.count > failedFrom, 'the write tried');
      } finally {
        writes.failing = false;
      }
      assert.equal(await versionOf(appliance.id), null);
      await eventually(async () => {
        await send(appliance.basic, 'heartbeat', AGENT('3.1.0'));
        return (await versionOf(appliance.id)) === '3.1.0';
      }, 'the version stored by a later heartbeat');
    });

    it('filters by one version, several, and none; sorts in version order; counts them in the summary and the export', async () => {
      const organization = await t.createOrganization('fleet');
      const scope = `organization_id=${organization.id}`;
      const versions: [string, string | null][] = [
        ['a-old', '1.9.2'],
        ['b-new', '1.10.0'],
        ['c-new', '1.10.0'],
        ['d-rc', '1.10.0-rc.1'],
        ['e-none', null],
      ];
      for (const [name, version] of versions) {
        const appliance = await t.createRegisteredSystem({ name, organization_id: organization.id });
        if (version === null) continue;
        await send(appliance.basic, 'heartbeat', AGENT(version));
        await recorded(appliance.id, version);
      }
      assert.deepEqual(await list(`${scope}&agent_version=1.10.0&sort=name`), ['b-new', 'c-new']);
      assert.deepEqual(await list(`${scope}&agent_version=none&sort=name`), ['e-none']);
      assert.deepEqual(await list(`${scope}&agent_version=1.9.2,none&sort=name`), ['a-old', 'e-none'], 'comma-separated');
      assert.deepEqual(await list(`${scope}&agent_version=1.9.2&agent_version=1.10.0-rc.1&sort=name`), ['a-old', 'd-rc'], 'repeated');
      assert.deepEqual(await list(`${scope}&agent_version=9.9.9`), []);
      assert.equal((await t.admin.get(`/api/v1/systems?agent_version=<script>`)).statusCode, 400);

      // Version order, not text order: 1.9.2 before 1.10.0, a pre-release before its release; no agent first ascending.
      assert.deepEqual(await list(`${scope}&sort=agent_version&order=asc`), ['e-none', 'a-old', 'd-rc', 'b-new', 'c-new']);
      assert.deepEqual(await list(`${scope}&sort=agent_version&order=desc`), ['b-new', 'c-new', 'd-rc', 'a-old', 'e-none']);

      const summary = (await t.admin.get(`/api/v1/summary?${scope}`)).json<{ agent_versions: { version: string | null; count: number }[] }>();
      assert.deepEqual(summary.agent_versions, [
        { version: '1.10.0', count: 2 },
        { version: '1.10.0-rc.1', count: 1 },
        { version: '1.9.2', count: 1 },
        { version: null, count: 1 },
      ]);

      const csv = (await t.admin.get(`/api/v1/systems/export?${scope}&sort=name`)).body.split('\r\n');
      const header = csv[0]!.split(',');
      const column = header.indexOf('agent_version');
      assert.ok(column >= 0, header.join(','));
      assert.deepEqual(
        csv.slice(1, -1).map((line) => line.split(',')[column]),
        ['1.9.2', '1.10.0', '1.10.0', '1.10.0-rc.1', ''],
      );
    });
  });
}

for (const kind of databaseKinds()) {
  describe(`agent versions on two nodes of one database (${kind})`, () => {
    const { t, database } = useTestMuster(kind);
    const secondWrites = { count: 0, failing: false };
    let second: TestMuster;
    before(async () => {
      second = await startTestMuster(countingWrites(await database.openAnother(), secondWrites), {}, t.clock);
    });
    after(() => second?.close());

    const beat = (node: TestMuster, basic: string, version: string) =>
      node.muster.app.inject({ method: 'POST', url: '/api/systems/heartbeat', headers: { authorization: basic, 'user-agent': AGENT(version) } });
    const versionOf = async (id: string) => (await t.admin.get(`/api/v1/systems/${id}`)).json<{ agent_version: string | null }>().agent_version;

    it('a node learns the stored version with the credentials; a stale one costs one write that changes nothing', async () => {
      const appliance = await t.createRegisteredSystem({ name: 'clustered' });
      assert.equal((await beat(t, appliance.basic, '1.2.3')).statusCode, 200);
      await eventually(async () => (await versionOf(appliance.id)) === '1.2.3', '1.2.3 stored by the first node');
      // The second node reads the credentials after that: it knows 1.2.3 without writing.
      assert.equal((await beat(second, appliance.basic, '1.2.3')).statusCode, 200);
      assert.equal(secondWrites.count, 0, 'nothing written by the second node');

      // The agent is upgraded and first heard by the first node; the second still knows 1.2.3.
      assert.equal((await beat(t, appliance.basic, '1.3.0')).statusCode, 200);
      await eventually(async () => (await versionOf(appliance.id)) === '1.3.0', '1.3.0 stored by the first node');
      assert.equal((await beat(second, appliance.basic, '1.3.0')).statusCode, 200);
      assert.equal(secondWrites.count, 1, 'one write, which finds 1.3.0 stored already');
      for (let again = 0; again < 5; again++) await beat(second, appliance.basic, '1.3.0');
      assert.equal(secondWrites.count, 1, 'and then none');
      assert.equal(await versionOf(appliance.id), '1.3.0');

      // Rolled back, heard by the second node: stored from there.
      assert.equal((await beat(second, appliance.basic, '1.2.3')).statusCode, 200);
      await eventually(async () => (await versionOf(appliance.id)) === '1.2.3', '1.2.3 stored again by the second node');
    });
  });
}
