import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { ADMIN_TOKEN, adminHeaders, useTestMuster } from '../../../test/helpers/test-muster.ts';

const PASSWORD = 'correct horse battery staple';
const USER_AGENT = 'audit-test/1.0';

interface Row {
  id: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string | null;
  user_id: string | null;
  organization_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  http_status: number;
  address: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * Each change's action and target type, as derived from its route (README, "Audit log"): a new
 * change must be placed here, so its name is chosen on purpose.
 */
const ACTIONS: Record<string, string> = {
  'POST /api/v1/organizations': 'organizations.create organization',
  'PATCH /api/v1/organizations/{id}': 'organizations.update organization',
  'PATCH /api/v1/organizations/{id}/heartbeat-daemon/params': 'organizations.heartbeat-daemon.params.update organization',
  'PATCH /api/v1/organizations/{id}/monitoring/settings': 'organizations.monitoring.settings.update organization',
  'POST /api/v1/users': 'users.create user',
  'PATCH /api/v1/users/{id}': 'users.update user',
  'DELETE /api/v1/users/{id}': 'users.delete user',
  'POST /api/v1/invitations/accept': 'invitations.accept invitation',
  'PUT /api/v1/organizations/{id}/members/{userId}': 'organizations.members.set member',
  'POST /api/v1/organizations/{id}/invitations': 'organizations.invitations.create user',
  'DELETE /api/v1/organizations/{id}/members/{userId}': 'organizations.members.delete member',
  'POST /api/v1/session': 'session.create session',
  'DELETE /api/v1/session': 'session.delete session',
  'DELETE /api/v1/sessions/{id}': 'sessions.delete session',
  'POST /api/v1/tokens': 'tokens.create token',
  'DELETE /api/v1/tokens/{id}': 'tokens.delete token',
  'POST /api/v1/organizations/{id}/api-keys': 'organizations.api-keys.create api-key',
  'DELETE /api/v1/organizations/{id}/api-keys/{keyId}': 'organizations.api-keys.delete api-key',
  'POST /api/v1/systems': 'systems.create system',
  'PATCH /api/v1/systems/{id}': 'systems.update system',
  'DELETE /api/v1/systems/{id}': 'systems.delete system',
  'POST /api/v1/systems/{id}/regenerate-secret': 'systems.regenerate-secret system',
  'POST /api/v1/systems/{id}/suspend': 'systems.suspend system',
  'POST /api/v1/systems/bulk': 'systems.bulk system',
  'POST /api/v1/systems/{id}/alerts/{alertId}/acknowledge': 'systems.alerts.acknowledge alert',
  'DELETE /api/v1/systems/{id}/alerts/{alertId}/acknowledgement': 'systems.alerts.acknowledgement.delete alert',
  'POST /api/v1/systems/{id}/alerts/{alertId}/silence': 'systems.alerts.silence alert',
  'DELETE /api/v1/systems/{id}/alerts/{alertId}/silence': 'systems.alerts.silence.delete alert',
  'POST /api/v1/systems/{id}/reactivate': 'systems.reactivate system',
  'POST /api/v1/systems/{id}/restore': 'systems.restore system',
  'POST /api/v1/systems/{id}/destroy': 'systems.destroy system',
  'POST /api/v1/organizations/{id}/webhooks': 'organizations.webhooks.create webhook',
  'DELETE /api/v1/organizations/{id}/webhooks/{webhookId}': 'organizations.webhooks.delete webhook',
  'POST /api/v1/organizations/{id}/webhooks/{webhookId}/test': 'organizations.webhooks.test webhook',
  'DELETE /api/v1/systems/{id}/backups/{backupId}': 'systems.backups.delete backup',
  'POST /api/v1/jobs/{queue}/dead/{id}/retry': 'jobs.dead.retry job',
};

for (const kind of databaseKinds()) {
  describe(`audit log (${kind})`, () => {
    const { database, t } = useTestMuster(kind);
    // Every secret handed out in these tests: none may reach the audit log.
    const secrets = new Set<string>([ADMIN_TOKEN, PASSWORD]);
    let addressCount = 0;
    const newAddress = () => `198.51.100.${++addressCount}`;
    const unique = () => Math.random().toString(36).slice(2, 10);

    function call(method: Method, url: string, headers: Record<string, string>, payload?: unknown, remoteAddress = '192.0.2.7') {
      return t.muster.app.inject({
        method,
        url,
        headers: { 'user-agent': USER_AGENT, ...headers },
        remoteAddress,
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      });
    }

    async function created(url: string, payload: Record<string, unknown>) {
      const response = await call('POST', url, adminHeaders, payload);
      assert.equal(response.statusCode, 201, `${url}: ${response.body}`);
      return response.json<Record<string, unknown> & { id: string }>();
    }

    async function newOrganization() {
      return (await created('/api/v1/organizations', { name: `org-${unique()}` })).id;
    }

    /** A user with `role` in `organizationId` and a personal token. */
    async function member(organizationId: string, role: string) {
      const user = await created('/api/v1/users', { email: `${role}-${unique()}@example.com`, name: role, password: PASSWORD });
      const put = await call('PUT', `/api/v1/organizations/${organizationId}/members/${user.id}`, adminHeaders, { role });
      assert.ok(put.statusCode < 300, put.body);
      const { token, personalToken } = await t.muster.personalTokens.create(user.id, { name: 'audit' });
      secrets.add(token);
      return { userId: user.id, email: user.email as string, tokenId: personalToken.id, headers: { authorization: `Bearer ${token}` } };
    }

    async function rowsFor(targetId: string): Promise<Row[]> {
      const { rows } = await database.db.query<Row>(
        `SELECT id, occurred_at, actor_type, actor_id, user_id, organization_id, action, target_type, target_id, outcome, http_status,
                address, user_agent, details
         FROM audit_log WHERE target_id = $1 ORDER BY occurred_at, id`,
        [targetId],
      );
      return rows;
    }

    function list(headers: Record<string, string>, query: string): Promise<LightMyRequestResponse> {
      return call('GET', `/api/v1/audit?${query}`, headers);
    }

    it('records a change with its actor, organization, action, target, outcome, status, address and user agent', async () => {
      const organizationId = await newOrganization();
      const operator = await member(organizationId, 'operator');
      const system = await t.createSystem({ organization_id: organizationId });
      secrets.add(system.secret);

      const response = await call('POST', `/api/v1/systems/${system.id}/suspend`, operator.headers, undefined, '203.0.113.9');
      assert.equal(response.statusCode, 200, response.body);

      const rows = (await rowsFor(system.id)).filter((row) => row.action === 'systems.suspend');
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      assert.deepEqual(
        { ...row, id: undefined, occurred_at: undefined },
        {
          id: undefined,
          occurred_at: undefined,
          actor_type: 'token',
          actor_id: operator.tokenId,
          user_id: operator.userId,
          organization_id: organizationId,
          action: 'systems.suspend',
          target_type: 'system',
          target_id: system.id,
          outcome: 'success',
          http_status: 200,
          address: '203.0.113.9',
          user_agent: USER_AGENT,
          details: {},
        },
      );
      assert.equal(new Date(row.occurred_at).getTime(), t.clock.now().getTime(), 'dated by the app clock');

      // The creation is recorded too, with the new system as its target and the status it answered.
      const creation = (await rowsFor(system.id)).find((candidate) => candidate.action === 'systems.create');
      assert.equal(creation?.actor_type, 'bootstrap');
      assert.equal(creation?.actor_id, null);
      assert.equal(creation?.organization_id, organizationId);
      assert.equal(creation?.http_status, 201);
    });

    it('writes the row in the transaction of the change: an audit insert that fails undoes the change', async () => {
      const organizationId = await newOrganization();
      const system = await t.createSystem({ organization_id: organizationId, name: 'before' });
      await database.db.query(`
        CREATE OR REPLACE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.outcome = 'success' AND NEW.target_id = '${system.id}' THEN RAISE EXCEPTION 'audit refused'; END IF;
          RETURN NEW;
        END $$`);
      await database.db.query('CREATE TRIGGER audit_refuse BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_refuse()');
      try {
        const response = await call('PATCH', `/api/v1/systems/${system.id}`, adminHeaders, { name: 'after' });
        assert.equal(response.statusCode, 500, response.body);
      } finally {
        await database.db.query('DROP TRIGGER audit_refuse ON audit_log');
      }
      const stored = await t.admin.get(`/api/v1/systems/${system.id}`);
      assert.equal(stored.json<{ name: string }>().name, 'before', 'the rename was rolled back with the audit row');
      const rows = (await rowsFor(system.id)).filter((row) => row.action === 'systems.update');
      assert.deepEqual(
        rows.map((row) => [row.outcome, row.http_status]),
        [['failure', 500]],
      );
    });

    it('leaves only a failure row when the change rolls back', async () => {
      const organizationId = await newOrganization();
      const system = await t.createSystem({ organization_id: organizationId, name: 'steady' });
      await database.db.query(`
        CREATE OR REPLACE FUNCTION systems_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.name = 'refused-by-trigger' THEN RAISE EXCEPTION 'refused'; END IF;
          RETURN NEW;
        END $$`);
      await database.db.query('CREATE TRIGGER systems_refuse BEFORE UPDATE ON systems FOR EACH ROW EXECUTE FUNCTION systems_refuse()');
      try {
        const response = await call('PATCH', `/api/v1/systems/${system.id}`, adminHeaders, { name: 'refused-by-trigger' });
        assert.equal(response.statusCode, 500, response.body);
      } finally {
        await database.db.query('DROP TRIGGER systems_refuse ON systems');
      }
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}`)).json<{ name: string }>().name, 'steady');
      const rows = (await rowsFor(system.id)).filter((row) => row.action === 'systems.update');
      assert.deepEqual(
        rows.map((row) => ({ outcome: row.outcome, status: row.http_status, organization: row.organization_id })),
        [{ outcome: 'failure', status: 500, organization: organizationId }],
      );
    });

    it('records denials: a viewer suspending, an outsider, no credentials', async () => {
      const organizationId = await newOrganization();
      const viewer = await member(organizationId, 'viewer');
      const outsider = await member(await newOrganization(), 'owner');
      const system = await t.createSystem({ organization_id: organizationId });

      assert.equal((await call('POST', `/api/v1/systems/${system.id}/suspend`, viewer.headers)).statusCode, 403);
      t.clock.advance(1);
      assert.equal((await call('POST', `/api/v1/systems/${system.id}/suspend`, outsider.headers)).statusCode, 404);
      t.clock.advance(1);
      assert.equal((await call('POST', `/api/v1/systems/${system.id}/suspend`, {})).statusCode, 401);
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}`)).json<{ suspended: boolean }>().suspended, false);

      const rows = (await rowsFor(system.id)).filter((row) => row.action === 'systems.suspend');
      assert.deepEqual(
        rows.map((row) => [row.actor_type, row.actor_id, row.user_id, row.organization_id, row.outcome, row.http_status]),
        [
          ['token', viewer.tokenId, viewer.userId, organizationId, 'denied', 403],
          ['token', outsider.tokenId, outsider.userId, organizationId, 'denied', 404],
          ['anonymous', null, null, null, 'denied', 401],
        ],
      );
      assert.match(String(rows[0]!.details.error), /systems:operate/);

      // Whatever a caller puts in a path id is stored as text PostgreSQL holds (a NUL becomes U+FFFD); a URL the
      // router refuses (invalid UTF-8, a parameter over its length) reaches no route and has no row.
      for (const [id, status, stored] of [
        ['%00', 400, ['\uFFFD']],
        ['%ED%A0%80', 400, []],
        ['x'.repeat(300), 414, []],
      ] as const) {
        const at = t.clock.advance(1000);
        const response = await call('POST', `/api/v1/systems/${id}/suspend`, adminHeaders);
        assert.equal(response.statusCode, status, id);
        const { rows: odd } = await database.db.query<Row>('SELECT target_id, outcome FROM audit_log WHERE occurred_at >= $1', [at]);
        assert.deepEqual(
          odd.map((row) => row.target_id),
          stored,
          id,
        );
      }
    });

    it('records sign-ins: success with the session, failures (unknown email, wrong password, too many) without the password', async () => {
      const organizationId = await newOrganization();
      const user = await member(organizationId, 'viewer');
      const address = newAddress();
      const signIn = (email: string, password: string) => call('POST', '/api/v1/session', { origin: 'http://localhost' }, { email, password }, address);
      const since = t.clock.now();
      t.clock.advance(1000);

      const ok = await signIn(user.email, PASSWORD);
      assert.equal(ok.statusCode, 201, ok.body);
      const cookie = /muster_session=([^;]+)/.exec(String(ok.headers['set-cookie']))![1]!;
      secrets.add(cookie);
      secrets.add(ok.json<{ csrf_token: string }>().csrf_token);
      assert.equal((await signIn(`nobody-${unique()}@example.com`, PASSWORD)).statusCode, 401);
      for (let attempt = 0; attempt < 5; attempt++) assert.equal((await signIn(user.email, `wrong ${PASSWORD} ${attempt}`)).statusCode, 401);
      const limited = await signIn(user.email, PASSWORD);
      assert.equal(limited.statusCode, 429);

      const { rows } = await database.db.query<Row>(
        "SELECT * FROM audit_log WHERE action = 'session.create' AND address = $1 AND occurred_at > $2 ORDER BY occurred_at, http_status",
        [address, since],
      );
      assert.equal(rows.length, 8);
      const [success, ...failures] = rows;
      assert.equal(success!.actor_type, 'user');
      assert.equal(success!.actor_id, user.userId);
      assert.equal(success!.user_id, user.userId);
      assert.equal(success!.target_type, 'session');
      assert.equal(success!.outcome, 'success');
      assert.equal(success!.http_status, 201);
      assert.equal(success!.user_agent, USER_AGENT);
      const session = await database.db.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1', [user.userId]);
      assert.deepEqual(
        session.rows.map((row) => row.id),
        [success!.target_id],
      );
      assert.deepEqual(
        failures.map((row) => [row.actor_type, row.actor_id, row.outcome, row.http_status]),
        [...Array(6).fill(['anonymous', null, 'failure', 401]), ['anonymous', null, 'failure', 429]],
      );
      assert.equal(failures.at(-1)!.details.error, 'too many failed sign-ins: try again later');
      for (const row of rows) assert.ok(!JSON.stringify(row).includes('horse'), 'no password in the row');

      // Single sign-on's callback is a sign-in too, though a GET (here refused: SSO is not configured).
      const at = t.clock.advance(1000);
      assert.equal((await call('GET', '/api/v1/session/oidc/callback?code=abc&state=def', {}, undefined, address)).statusCode, 404);
      const callback = await database.db.query<Row>('SELECT * FROM audit_log WHERE occurred_at >= $1', [at]);
      assert.deepEqual(
        callback.rows.map((row) => [row.action, row.actor_type, row.outcome, row.http_status, row.address]),
        [['session.oidc.callback', 'anonymous', 'failure', 404, address]],
      );
      // Other GETs are not audited.
      assert.equal((await call('GET', '/api/v1/systems', adminHeaders)).statusCode, 200);
      assert.equal((await database.db.query('SELECT 1 FROM audit_log WHERE occurred_at >= $1', [at])).rows.length, 1);
    });

    it('answers GET /api/v1/audit scoped to the organizations where the caller holds audit:read', async () => {
      const organizationA = await newOrganization();
      const organizationB = await newOrganization();
      const adminA = await member(organizationA, 'admin');
      const viewerA = await member(organizationA, 'viewer');
      const systemA = await t.createSystem({ organization_id: organizationA });
      const systemB = await t.createSystem({ organization_id: organizationB });

      const mine = await list(adminA.headers, 'page_size=500');
      assert.equal(mine.statusCode, 200, mine.body);
      const items = mine.json<{ items: Row[] }>().items;
      assert.ok(items.some((row) => row.target_id === systemA.id));
      assert.ok(items.every((row) => row.organization_id === organizationA));
      assert.deepEqual((await list(adminA.headers, `organization_id=${organizationB}`)).json<{ items: Row[] }>().items, []);
      assert.equal((await list(viewerA.headers, '')).statusCode, 403);

      const everything = (await list(adminHeaders, 'page_size=500')).json<{ items: Row[] }>().items;
      assert.ok(everything.some((row) => row.target_id === systemB.id));
      assert.ok(
        everything.some((row) => row.organization_id === null),
        'global admins also see rows without an organization',
      );
    });

    it('filters by organization, actor, action, outcome, target and time, newest first, page by page', async () => {
      const organizationId = await newOrganization();
      const operator = await member(organizationId, 'operator');
      const system = await t.createSystem({ organization_id: organizationId });
      const start = t.clock.advance(60_000);
      for (const action of ['suspend', 'reactivate', 'suspend']) {
        t.clock.advance(1000);
        assert.equal((await call('POST', `/api/v1/systems/${system.id}/${action}`, operator.headers)).statusCode, 200);
      }
      t.clock.advance(1000);
      const viewer = await member(organizationId, 'viewer');
      assert.equal((await call('POST', `/api/v1/systems/${system.id}/suspend`, viewer.headers)).statusCode, 403);

      const page = (query: string) => list(adminHeaders, `organization_id=${organizationId}&target_id=${system.id}&${query}`);
      const actions = async (query: string) => (await page(query)).json<{ items: Row[] }>().items.map((row) => `${row.action}:${row.outcome}`);
      assert.deepEqual(await actions(`from=${start.toISOString()}`), [
        'systems.suspend:denied',
        'systems.suspend:success',
        'systems.reactivate:success',
        'systems.suspend:success',
      ]);
      assert.deepEqual(await actions('action=systems.suspend&outcome=success'), ['systems.suspend:success', 'systems.suspend:success']);
      assert.deepEqual(await actions(`actor_type=token&actor_id=${viewer.tokenId}`), ['systems.suspend:denied']);
      assert.deepEqual(await actions(`actor_type=bootstrap`), ['systems.create:success']);
      assert.deepEqual(await actions(`from=${start.toISOString()}&to=${new Date(start.getTime() + 2500).toISOString()}`), [
        'systems.reactivate:success',
        'systems.suspend:success',
      ]);
      const second = (await page(`from=${start.toISOString()}&page=2&page_size=3`)).json<{ items: Row[]; total: number; page: number; page_size: number }>();
      assert.deepEqual(
        { total: second.total, page: second.page, page_size: second.page_size, actions: second.items.map((row) => row.action) },
        { total: 4, page: 2, page_size: 3, actions: ['systems.suspend'] },
      );
      assert.equal((await list(adminHeaders, 'outcome=maybe')).statusCode, 400);
    });

    it('writes exactly one row for every change of the OpenAPI document, a success row for each that answers 2xx', async () => {
      const document = (await t.muster.app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
      const organizationId = await newOrganization();
      const operations = Object.entries(document.paths)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase() as Method, path })))
        .filter((operation) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(operation.method));
      const bulkSystem = (await t.createSystem({ organization_id: organizationId })).id;
      const payloads: Record<string, () => Record<string, unknown>> = {
        'POST /api/v1/organizations': () => ({ name: `walk-${unique()}` }),
        'POST /api/v1/systems/bulk': () => ({ action: 'suspend', system_ids: [bulkSystem] }),
        'PATCH /api/v1/organizations/{id}': () => ({ heartbeat_timeout_minutes: 20 }),
        'PATCH /api/v1/organizations/{id}/monitoring/settings': () => ({ public_views: true }),
        'POST /api/v1/users': () => ({ email: `walk-${unique()}@example.com`, name: 'walk' }),
        'POST /api/v1/systems': () => ({ name: 'walk', organization_id: organizationId }),
        'PATCH /api/v1/systems/{id}': () => ({ name: 'walked' }),
        'POST /api/v1/systems/{id}/alerts/{alertId}/silence': () => ({ duration_minutes: 5 }),
        'POST /api/v1/organizations/{id}/api-keys': () => ({ name: 'walk', scopes: ['systems:read'] }),
        'PUT /api/v1/organizations/{id}/members/{userId}': () => ({ role: 'viewer' }),
        'POST /api/v1/organizations/{id}/invitations': () => ({ email: `invited-${unique()}@example.com`, role: 'viewer' }),
      };
      const results: string[] = [];
      const actions: Record<string, string> = {};
      let successes = 0;
      for (const operation of operations) {
        const key = `${operation.method} ${operation.path}`;
        const systemId = operation.path.startsWith('/api/v1/systems/{id}') ? (await t.createSystem({ organization_id: organizationId })).id : undefined;
        if (operation.path.endsWith('/restore') && systemId) await t.admin.delete(`/api/v1/systems/${systemId}`);
        if (operation.path.endsWith('/destroy') && systemId) await t.admin.delete(`/api/v1/systems/${systemId}`);
        const userId = operation.path.includes('{userId}') ? (await created('/api/v1/users', { email: `m-${unique()}@example.com`, name: 'm' })).id : undefined;
        const url = operation.path
          .replace('{id}', operation.path.startsWith('/api/v1/organizations/{id}') ? organizationId : (systemId ?? randomUUID()))
          .replace('{userId}', userId ?? randomUUID())
          .replace(/\{(keyId|webhookId|backupId)\}/, randomUUID())
          .replace('{queue}', 'inventory');
        const payload = payloads[key]?.() ?? (operation.method === 'DELETE' ? undefined : {});
        // Each request at a time of its own, so that its rows are those dated from then on.
        const at = t.clock.advance(1000);
        const response = await call(operation.method, url, adminHeaders, payload);
        const { rows } = await database.db.query<Row>('SELECT * FROM audit_log WHERE occurred_at >= $1', [at]);
        for (const secret of ['key', 'token', 'system_secret'] as const) {
          const value = response.statusCode < 300 && response.body ? (response.json<Record<string, unknown>>()[secret] as string | undefined) : undefined;
          if (typeof value === 'string') secrets.add(value);
        }
        const invitation = response.statusCode < 300 && response.body ? response.json<{ invitation?: { token: string } }>().invitation : undefined;
        if (invitation) secrets.add(invitation.token);
        const success = response.statusCode < 300;
        if (success) successes++;
        actions[key] = `${rows[0]?.action} ${rows[0]?.target_type}`;
        const wanted = success ? 'success' : 'failure or denied';
        const got = rows.map((row) => row.outcome).join(',');
        if (rows.length !== 1 || (success ? got !== 'success' : got === 'success') || rows[0]!.http_status !== response.statusCode) {
          results.push(`${key}: ${response.statusCode}, wanted one ${wanted} row, got [${got}] ${JSON.stringify(rows.map((row) => row.http_status))}`);
        }
      }
      assert.deepEqual(results, []);
      assert.deepEqual(actions, ACTIONS);
      assert.ok(successes >= 12, `${successes} changes answered 2xx`);
    });

    it('never stores a token, key, password, cookie or secret', async () => {
      const { rows } = await database.db.query<Row>('SELECT * FROM audit_log');
      assert.ok(rows.length > 50, `${rows.length} rows`);
      const dump = JSON.stringify(rows);
      for (const secret of secrets) assert.ok(!dump.includes(secret), `a secret (${secret.slice(0, 6)}…) is in the audit log`);
    });

    it('deletes rows older than AUDIT_RETENTION_DAYS, in batches, and keeps the others', async () => {
      const organizationId = await newOrganization();
      const old = await t.createSystem({ organization_id: organizationId });
      await database.db.query(
        `INSERT INTO audit_log (id, occurred_at, actor_type, action, outcome, http_status, target_id)
         SELECT gen_random_uuid(), $1::timestamptz - make_interval(secs => n), 'anonymous', 'synthetic', 'success', 200, 'synthetic'
         FROM generate_series(1, 2500) AS n`,
        [t.clock.now()],
      );
      t.clock.advance(366 * 86_400_000);
      const recent = await t.createSystem({ organization_id: organizationId });
      const deleted = await t.muster.audit.pruneExpired();
      assert.ok(deleted >= 2500 + 1, `${deleted} deleted`);
      assert.deepEqual(await rowsFor(old.id), []);
      assert.deepEqual(await rowsFor('synthetic'), []);
      assert.deepEqual(
        (await rowsFor(recent.id)).map((row) => row.action),
        ['systems.create'],
      );
    });
  });
}
