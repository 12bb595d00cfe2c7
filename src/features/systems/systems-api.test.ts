import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { ADMIN_TOKEN, adminHeaders, basicAuth, startTestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';

for (const kind of databaseKinds()) {
  describe(`management API: systems and organizations (${kind})`, () => {
    const { database, t } = useTestMuster(kind);

    async function newOrganization(extra: Record<string, unknown> = {}) {
      const response = await t.admin.post('/api/v1/organizations', { name: `org-${Math.random().toString(36).slice(2)}`, ...extra });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string; name: string }>();
    }

    it('requires the admin bearer token, compared exactly', async () => {
      for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${ADMIN_TOKEN}x`, `Basic ${ADMIN_TOKEN}`]) {
        const response = await t.muster.app.inject({ method: 'GET', url: '/api/v1/systems', headers: authorization ? { authorization } : {} });
        assert.equal(response.statusCode, 401, String(authorization));
        assert.equal(response.json().code, 401);
        assert.match(String(response.headers['www-authenticate']), /^Bearer/);
      }
    });

    it('has a default organization on a fresh install', async () => {
      const response = await t.admin.get('/api/v1/organizations?search=Default');
      const defaults = response.json().items.filter((organization: { is_default: boolean }) => organization.is_default);
      assert.equal(defaults.length, 1);
      assert.equal(defaults[0].name, 'Default');
      assert.equal(defaults[0].effective_heartbeat_timeout_minutes, 10);
      assert.equal(defaults[0].effective_heartbeat_warning_minutes, 0);
    });

    it('creates, gets and lists organizations; names are unique; thresholds are validated', async () => {
      const organization = await newOrganization({ heartbeat_timeout_minutes: 15 });
      const fetched = await t.admin.get(`/api/v1/organizations/${organization.id}`);
      assert.equal(fetched.statusCode, 200);
      assert.equal(fetched.json().heartbeat_timeout_minutes, 15);
      assert.equal(fetched.json().system_count, 0);

      const duplicate = await t.admin.post('/api/v1/organizations', { name: organization.name.toUpperCase() });
      assert.equal(duplicate.statusCode, 409);

      const inconsistent = await t.admin.patch(`/api/v1/organizations/${organization.id}`, { heartbeat_warning_minutes: 20 });
      assert.equal(inconsistent.statusCode, 400);
      assert.match(inconsistent.json().message, /lower than heartbeat_timeout_minutes/);

      const cleared = await t.admin.patch(`/api/v1/organizations/${organization.id}`, { heartbeat_timeout_minutes: null });
      assert.equal(cleared.json().heartbeat_timeout_minutes, null);
      assert.equal(cleared.json().effective_heartbeat_timeout_minutes, 10);

      for (const [body, field] of [
        [{ name: '' }, 'name'],
        [{ name: 'x', heartbeat_timeout_minutes: 0 }, 'heartbeat_timeout_minutes'],
        [{ name: 'x', extra: 1 }, 'extra'],
      ] as const) {
        const response = await t.admin.post('/api/v1/organizations', body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.equal(response.json().data.errors[0].field, field);
      }
      assert.equal((await t.admin.get('/api/v1/organizations/00000000-0000-4000-8000-000000000000')).statusCode, 404);
      assert.equal((await t.admin.get('/api/v1/organizations/not-a-uuid')).statusCode, 400);
    });

    it('creates a system with its secret shown once, and never shows it again', async () => {
      const organization = await newOrganization();
      const response = await t.admin.post('/api/v1/systems', { name: ' web-01 ', organization_id: organization.id, type: 'ns8', labels: { env: 'prod' } });
      assert.equal(response.statusCode, 201);
      const system = response.json();
      assert.match(system.system_secret, /^my_[0-9a-f]{20}\.[0-9a-f]{40}$/);
      assert.match(system.system_key, /^NETH(-[0-9A-F]{4}){8}$/);
      assert.equal(system.name, 'web-01');
      assert.equal(system.organization_id, organization.id);
      assert.equal(system.status, 'unknown');
      assert.deepEqual(system.labels, { env: 'prod' });

      const fetched = await t.admin.get(`/api/v1/systems/${system.id}`);
      assert.equal(fetched.statusCode, 200);
      assert.equal(fetched.json().system_secret, undefined);
      assert.equal(fetched.body.includes(system.system_secret.split('.')[1]), false);
      const rows = await database.db.query<{ secret_hash: string }>('SELECT secret_hash FROM systems WHERE id = $1', [system.id]);
      assert.notEqual(rows.rows[0]!.secret_hash, system.system_secret.split('.')[1]);
    });

    it('rejects bad system input with a 400 naming the field, and changes nothing', async () => {
      const before = (await t.admin.get('/api/v1/systems?page_size=1')).json().total;
      for (const [body, field] of [
        [{}, 'name'],
        [{ name: 'x', type: 'Bad Type!' }, 'type'],
        [{ name: 'x', labels: { 'bad key!': 'v' } }, 'labels'],
        [{ name: 'x', labels: { ok: 5 } }, 'labels.ok'],
        [{ name: 'x', organization_id: 'nope' }, 'organization_id'],
        [{ name: 'x', organization_id: '00000000-0000-4000-8000-000000000000' }, 'organization_id'],
      ] as const) {
        const response = await t.admin.post('/api/v1/systems', body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.match(response.json().data.errors[0].field, new RegExp(`^${field}`), JSON.stringify(response.json()));
      }
      const invalidJson = await t.muster.app.inject({
        method: 'POST',
        url: '/api/v1/systems',
        headers: { ...adminHeaders, 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      assert.equal(invalidJson.statusCode, 400);
      assert.equal((await t.admin.get('/api/v1/systems?page_size=1')).json().total, before);
    });

    it('lists with filters, search, sorting and pagination', async () => {
      const organization = await newOrganization();
      const names = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
      const created = [];
      for (const [index, name] of names.entries()) {
        t.clock.advance(1000);
        created.push(await t.createRegisteredSystem({ name, organization_id: organization.id, type: index % 2 ? 'nsec' : 'ns8' }));
      }
      await t.heartbeat(created[1]!.basic);
      t.clock.advance(1000);
      await t.heartbeat(created[3]!.basic);
      const list = (query: string) => t.admin.get(`/api/v1/systems?organization_id=${organization.id}&${query}`);

      const all = (await list('sort=name&order=desc')).json();
      assert.equal(all.total, 5);
      assert.deepEqual(
        all.items.map((item: { name: string }) => item.name),
        ['echo', 'delta', 'charlie', 'bravo', 'alpha'],
      );

      const page2 = (await list('sort=created_at&page=2&page_size=2')).json();
      assert.deepEqual([page2.page, page2.page_size, page2.total], [2, 2, 5]);
      assert.deepEqual(
        page2.items.map((item: { name: string }) => item.name),
        ['charlie', 'delta'],
      );

      assert.deepEqual(
        (await list('status=active&sort=name')).json().items.map((item: { name: string }) => item.name),
        ['bravo', 'delta'],
      );
      assert.deepEqual((await list('status[]=active&status[]=unknown')).json().total, 5);
      assert.deepEqual(
        (await list('type=ns8&sort=name')).json().items.map((item: { name: string }) => item.name),
        ['alpha', 'charlie', 'echo'],
      );
      assert.deepEqual(
        (await list('search=HARL')).json().items.map((item: { name: string }) => item.name),
        ['charlie'],
      );
      assert.equal((await list(`search=${created[4]!.systemKey}`)).json().items[0].name, 'echo');
      assert.equal((await list('search=%25')).json().total, 0, 'LIKE wildcards are literal');
      assert.deepEqual(
        (await list(`search=${created[2]!.id.toUpperCase()}`)).json().items.map((item: { name: string }) => item.name),
        ['charlie'],
        'a system id, in any case',
      );
      assert.equal((await list(`search=${encodeURIComponent(`echo\n${created[4]!.systemKey}`)}`)).json().total, 0, 'a search never spans two fields');
      assert.deepEqual(
        (await list('search=ch&sort=name')).json().items.map((item: { name: string }) => item.name),
        ['charlie', 'echo'],
        'two characters, fewer than the trigram index narrows by',
      );
      assert.deepEqual(
        (await list('sort=last_heartbeat&order=desc&page_size=2')).json().items.map((item: { name: string }) => item.name),
        ['delta', 'bravo'],
      );
      // Every sort, both ways, with no filter at all (the statement then has no condition before its order).
      for (const sort of ['name', 'type', 'status', 'created_at', 'registered_at', 'last_heartbeat', 'last_inventory_at', 'organization']) {
        for (const order of ['asc', 'desc']) {
          const response = await t.admin.get(`/api/v1/systems?sort=${sort}&order=${order}&deleted=include&page_size=500`);
          assert.equal(response.statusCode, 200, `${sort} ${order}: ${response.body}`);
          assert.ok(response.json().items.length >= 5);
        }
      }

      for (const query of ['page=0', 'page_size=501', 'sort=secret', 'order=sideways', 'status=dead', 'organization_id=x', 'deleted=maybe']) {
        const response = await t.admin.get(`/api/v1/systems?${query}`);
        assert.equal(response.statusCode, 400, query);
        assert.equal(response.json().code, 400);
      }
    });

    it('accepts an empty body sent as application/json on actions, and refuses it where a body is required', async () => {
      const system = await t.createRegisteredSystem();
      const empty = (method: 'POST' | 'DELETE' | 'PATCH', url: string) =>
        t.muster.app.inject({ method, url, headers: { ...adminHeaders, 'content-type': 'application/json' }, payload: '' });
      for (const [method, action, expected] of [
        ['POST', 'suspend', 200],
        ['POST', 'reactivate', 200],
        ['POST', 'regenerate-secret', 200],
        ['DELETE', '', 200],
        ['POST', 'restore', 200],
      ] as const) {
        const answer = await empty(method, `/api/v1/systems/${system.id}${action ? `/${action}` : ''}`);
        assert.equal(answer.statusCode, expected, `${method} ${action}: ${answer.body}`);
      }
      for (const [method, url] of [
        ['POST', '/api/v1/systems'],
        ['PATCH', `/api/v1/systems/${system.id}`],
      ] as const) {
        const refused = await empty(method, url);
        assert.equal(refused.statusCode, 400, `${method} ${url}`);
        assert.match(refused.json<{ message: string }>().message, /body/, 'the answer says the body is missing');
      }
    });

    it('updates name and labels; suspends, reactivates, deletes, restores and destroys', async () => {
      const system = await t.createRegisteredSystem();
      const updated = await t.admin.patch(`/api/v1/systems/${system.id}`, { name: 'renamed', labels: { site: 'milan' } });
      assert.equal(updated.statusCode, 200);
      assert.equal(updated.json().name, 'renamed');
      assert.deepEqual(updated.json().labels, { site: 'milan' });
      assert.equal((await t.admin.patch(`/api/v1/systems/${system.id}`, {})).statusCode, 400);

      const suspended = await t.admin.post(`/api/v1/systems/${system.id}/suspend`);
      assert.equal(suspended.json().suspended, true);
      assert.equal(
        (await t.admin.get('/api/v1/systems?suspended=true&page_size=500')).json().items.some((item: { id: string }) => item.id === system.id),
        true,
      );
      assert.equal((await t.admin.post(`/api/v1/systems/${system.id}/reactivate`)).json().suspended, false);

      assert.equal((await t.admin.post(`/api/v1/systems/${system.id}/destroy`)).statusCode, 409, 'only deleted systems can be destroyed');
      const deleted = await t.admin.delete(`/api/v1/systems/${system.id}`);
      assert.equal(deleted.json().deleted, true);
      const visible = (await t.admin.get('/api/v1/systems?page_size=500')).json().items.map((item: { id: string }) => item.id);
      assert.equal(visible.includes(system.id), false);
      const onlyDeleted = (await t.admin.get('/api/v1/systems?deleted=only&page_size=500')).json().items.map((item: { id: string }) => item.id);
      assert.equal(onlyDeleted.includes(system.id), true);
      assert.equal((await t.admin.patch(`/api/v1/systems/${system.id}`, { name: 'x' })).statusCode, 409);

      assert.equal((await t.admin.post(`/api/v1/systems/${system.id}/restore`)).json().deleted, false);
      assert.equal((await t.heartbeat(system.basic)).statusCode, 200, 'a restored system may report again');

      await t.admin.delete(`/api/v1/systems/${system.id}`);
      assert.equal((await t.admin.post(`/api/v1/systems/${system.id}/destroy`)).statusCode, 204);
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}`)).statusCode, 404);
      const events = await database.db.query('SELECT 1 FROM liveness_events WHERE system_id = $1', [system.id]);
      assert.equal(events.rows.length, 0);
      assert.equal((await t.heartbeat(system.basic)).statusCode, 401);

      for (const action of ['suspend', 'reactivate', 'restore', 'destroy', 'regenerate-secret']) {
        assert.equal((await t.admin.post(`/api/v1/systems/00000000-0000-4000-8000-000000000000/${action}`)).statusCode, 404, action);
      }
    });

    it('drops cached credentials on every node when a system is suspended elsewhere', async () => {
      const other = await database.openAnother();
      const second = await startTestMuster(other, {}, new ManualClock(t.clock.now()));
      try {
        const system = await t.createRegisteredSystem();
        assert.equal((await second.heartbeat(system.basic)).statusCode, 200, 'cached on the second node');
        await t.admin.post(`/api/v1/systems/${system.id}/suspend`);
        let status = 0;
        for (let attempt = 0; attempt < 50; attempt++) {
          status = (await second.heartbeat(system.basic)).statusCode;
          if (status === 401) break;
          await sleep(20);
        }
        assert.equal(status, 401);
      } finally {
        await second.close();
      }
    });

    it('serves the OpenAPI document and Prometheus metrics', async () => {
      const system = await t.createRegisteredSystem();
      await t.heartbeat(system.basic);
      await t.heartbeat(basicAuth(system.systemKey, 'wrong'));

      const docs = await t.muster.app.inject({ method: 'GET', url: '/docs/json' });
      assert.equal(docs.statusCode, 200);
      const paths = Object.keys(docs.json().paths);
      for (const path of [
        '/api/systems/heartbeat',
        '/api/systems/register',
        '/api/v1/systems',
        '/api/v1/systems/{id}/events',
        '/api/v1/summary',
        '/api/v1/organizations',
      ]) {
        assert.ok(paths.includes(path), path);
      }
      const page = await t.muster.app.inject({ method: 'GET', url: '/docs/' });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /swagger-ui/);
      const redirect = await t.muster.app.inject({ method: 'GET', url: '/docs' });
      assert.equal(redirect.statusCode, 302);
      assert.equal(redirect.headers.location, '/docs/');

      const metrics = await t.muster.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(metrics.statusCode, 200);
      assert.match(metrics.body, /muster_heartbeats_accepted_total [1-9]/);
      assert.match(metrics.body, /muster_http_requests_total\{method="POST",route="\/api\/systems\/heartbeat",status_code="401"\} [1-9]/);
      assert.match(metrics.body, /muster_http_request_duration_seconds_bucket/);
      assert.match(metrics.body, /muster_heartbeats_rejected_total\{reason="unauthorized"\} [1-9]/);
      assert.match(metrics.body, /muster_systems\{status="active"\} [1-9]/);
    });
  });
}
