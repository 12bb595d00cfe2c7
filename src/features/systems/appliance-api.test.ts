import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { basicAuth, startTestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';

const REALM = 'Basic realm="System Authentication"';

for (const kind of databaseKinds()) {
  describe(`appliance API: register, heartbeat, info, health (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { BASE_PATH: '/collect' } });

    describe('POST /api/systems/register', () => {
      it('answers the system key once, then 409', async () => {
        const system = await t.createSystem();
        const first = await t.muster.app.inject({ method: 'POST', url: '/api/systems/register', payload: { system_secret: system.secret } });
        assert.equal(first.statusCode, 200);
        const body = first.json();
        assert.equal(body.code, 200);
        assert.equal(body.message, 'system registered successfully');
        assert.equal(body.data.system_key, system.systemKey);
        assert.match(body.data.system_key, /^NETH(-[0-9A-F]{4}){8}$/);
        assert.equal(body.data.registered_at, t.clock.now().toISOString());

        const again = await t.muster.app.inject({ method: 'POST', url: '/api/systems/register', payload: { system_secret: system.secret } });
        assert.equal(again.statusCode, 409);
        assert.deepEqual(again.json(), { code: 409, message: 'system is already registered', data: null });
      });

      it('rejects a malformed secret with 400 and a missing one with the validation envelope', async () => {
        const bad = await t.muster.app.inject({ method: 'POST', url: '/api/systems/register', payload: { system_secret: 'not-a-secret' } });
        assert.equal(bad.statusCode, 400);
        assert.deepEqual(bad.json(), { code: 400, message: 'invalid system secret format', data: null });

        const missing = await t.muster.app.inject({ method: 'POST', url: '/api/systems/register', payload: {} });
        assert.equal(missing.statusCode, 400);
        assert.deepEqual(missing.json(), {
          code: 400,
          message: 'validation failed',
          data: { type: 'validation_error', errors: [{ key: 'system_secret', message: 'required' }] },
        });

        const invalidJson = await t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/register',
          headers: { 'content-type': 'application/json' },
          payload: '{"system_secret":',
        });
        assert.equal(invalidJson.statusCode, 400);
        assert.equal(invalidJson.json().code, 400);
      });

      it('answers 401 for a wrong secret and 403 for a deleted system, changing nothing', async () => {
        const system = await t.createSystem();
        const wrong = `${system.secret.slice(0, -4)}0000`;
        const response = await t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/register',
          payload: { system_secret: wrong === system.secret ? `${system.secret.slice(0, -4)}1111` : wrong },
        });
        assert.equal(response.statusCode, 401);
        assert.deepEqual(response.json(), { code: 401, message: 'invalid system secret', data: null });

        await t.admin.delete(`/api/v1/systems/${system.id}`);
        const deleted = await t.muster.app.inject({ method: 'POST', url: '/api/systems/register', payload: { system_secret: system.secret } });
        assert.equal(deleted.statusCode, 403);
        assert.equal(deleted.json().message, 'system has been deleted');
        const stored = await t.admin.get(`/api/v1/systems/${system.id}`);
        assert.equal(stored.json().registered_at, null);
      });
    });

    describe('POST /api/systems/heartbeat', () => {
      it('acknowledges with the seed envelope, with or without a body, under BASE_PATH too', async () => {
        const system = await t.createRegisteredSystem();
        const withJson = await t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/heartbeat',
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          payload: '{}',
        });
        assert.equal(withJson.statusCode, 200);
        assert.deepEqual(withJson.json(), {
          code: 200,
          message: 'heartbeat acknowledged',
          data: { system_key: system.systemKey, acknowledged: true, last_heartbeat: t.clock.now().toISOString() },
        });

        for (const request of [
          { headers: { authorization: system.basic } },
          { headers: { authorization: system.basic, 'content-type': 'application/json' }, payload: '' },
          { headers: { authorization: system.basic, 'content-type': 'application/json' }, payload: 'not json at all' },
          { headers: { authorization: system.basic, 'content-type': 'text/plain' }, payload: 'hello' },
        ]) {
          const response = await t.muster.app.inject({ method: 'POST', url: '/collect/api/systems/heartbeat', ...request });
          assert.equal(response.statusCode, 200, response.body);
        }
      });

      it('stores the heartbeat before answering: the system is active right after the 200', async () => {
        const system = await t.createRegisteredSystem();
        const before = await t.admin.get(`/api/v1/systems/${system.id}`);
        assert.equal(before.json().status, 'unknown');
        t.clock.advance(1234);
        assert.equal((await t.heartbeat(system.basic)).statusCode, 200);
        const after = await t.admin.get(`/api/v1/systems/${system.id}`);
        assert.equal(after.json().status, 'active');
        assert.equal(after.json().last_heartbeat, t.clock.now().toISOString());
      });

      it('answers each malformed credential with its own 401 and the WWW-Authenticate challenge', async () => {
        const system = await t.createRegisteredSystem();
        const cases: [string | undefined, string][] = [
          [undefined, 'authentication required'],
          ['Bearer abc', 'invalid authentication format'],
          ['Basic', 'invalid authentication format'],
          ['Basic a b', 'invalid authentication format'],
          ['Basic %%%notbase64', 'invalid authentication encoding'],
          [`Basic ${Buffer.from('no-colon-here').toString('base64')}`, 'invalid credentials format'],
          [basicAuth(system.systemKey, 'my_00000000000000000000.0000000000000000000000000000000000000000'), 'invalid system credentials'],
          [basicAuth('NETH-0000-0000-0000-0000-0000-0000-0000-0000', system.secret), 'invalid system credentials'],
          [basicAuth('not-a-key', system.secret), 'invalid system credentials'],
          [basicAuth(system.systemKey, 'garbage'), 'invalid system credentials'],
        ];
        for (const [authorization, message] of cases) {
          const response = await t.muster.app.inject({
            method: 'POST',
            url: '/api/systems/heartbeat',
            headers: authorization === undefined ? {} : { authorization },
          });
          assert.equal(response.statusCode, 401, `${authorization}`);
          assert.equal(response.headers['www-authenticate'], REALM);
          assert.deepEqual(response.json(), { code: 401, message, data: null }, `${authorization}`);
        }
        // `basic` in any case is accepted.
        const lower = await t.heartbeat(system.basic.replace('Basic', 'basic'));
        assert.equal(lower.statusCode, 200);
      });

      it('refuses unregistered, suspended and deleted systems with 401, at once even when cached', async () => {
        const unregistered = await t.createSystem();
        const refused = await t.heartbeat(basicAuth(unregistered.systemKey, unregistered.secret));
        assert.equal(refused.statusCode, 401);
        assert.equal(refused.json().message, 'invalid system credentials');

        const system = await t.createRegisteredSystem();
        assert.equal((await t.heartbeat(system.basic)).statusCode, 200); // now cached
        await t.admin.post(`/api/v1/systems/${system.id}/suspend`);
        assert.equal((await t.heartbeat(system.basic)).statusCode, 401);
        await t.admin.post(`/api/v1/systems/${system.id}/reactivate`);
        assert.equal((await t.heartbeat(system.basic)).statusCode, 200);
        await t.admin.delete(`/api/v1/systems/${system.id}`);
        assert.equal((await t.heartbeat(system.basic)).statusCode, 401);
      });

      it('stops accepting the old secret the moment a new one is issued', async () => {
        const system = await t.createRegisteredSystem();
        assert.equal((await t.heartbeat(system.basic)).statusCode, 200);
        const regenerated = await t.admin.post(`/api/v1/systems/${system.id}/regenerate-secret`);
        assert.equal(regenerated.statusCode, 200);
        const newSecret = regenerated.json<{ system_secret: string }>().system_secret;
        assert.notEqual(newSecret, system.secret);
        assert.equal((await t.heartbeat(system.basic)).statusCode, 401);
        assert.equal((await t.heartbeat(basicAuth(system.systemKey, newSecret))).statusCode, 200);
      });
    });

    it('GET /api/systems/info answers the system and its organization', async () => {
      const system = await t.createRegisteredSystem({ type: 'ns8' });
      const response = await t.muster.app.inject({ method: 'GET', url: '/collect/api/systems/info', headers: { authorization: system.basic } });
      assert.equal(response.statusCode, 200);
      const body = response.json();
      assert.equal(body.message, 'system info retrieved successfully');
      assert.equal(body.data.system_id, system.id);
      assert.equal(body.data.system_key, system.systemKey);
      assert.equal(body.data.type, 'ns8');
      assert.equal(body.data.registered, true);
      assert.equal(body.data.suspended, false);
      assert.equal(body.data.organization.id, system.organizationId);
      assert.equal(body.data.organization.name, 'Default');
      assert.equal(JSON.stringify(body).includes(system.secret.split('.')[1]!), false);
    });

    it('GET /api/health answers version information without auth', async () => {
      for (const url of ['/api/health', '/collect/api/health']) {
        const response = await t.muster.app.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 200);
        const body = response.json();
        assert.equal(body.message, 'service healthy');
        assert.equal(body.data.database.driver, kind);
        assert.equal(body.data.database.healthy, true);
        assert.match(body.data.version, /^\d+\.\d+\.\d+/);
      }
    });

    it('serves the API docs under BASE_PATH with working relative asset links', async () => {
      const redirect = await t.muster.app.inject({ method: 'GET', url: '/collect/docs' });
      assert.equal(redirect.statusCode, 302);
      assert.equal(redirect.headers.location, '/collect/docs/');
      assert.equal((await t.muster.app.inject({ method: 'GET', url: '/collect/docs/static/swagger-ui.css' })).statusCode, 200);
    });

    it('limits body sizes (413) and registration attempts per address (429), changing nothing', async () => {
      const limited = await startTestMuster(await database.openAnother(), { API_MAX_REQUEST_SIZE: '1kb', REGISTER_RATE_LIMIT_PER_MINUTE: '3' });
      try {
        const system = await t.createRegisteredSystem();
        const big = 'x'.repeat(2048);
        const heartbeat = await limited.muster.app.inject({
          method: 'POST',
          url: '/api/systems/heartbeat',
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          payload: JSON.stringify({ padding: big }),
        });
        assert.equal(heartbeat.statusCode, 413);
        assert.equal(heartbeat.json().code, 413);
        const create = await limited.admin.post('/api/v1/systems', { name: big });
        assert.equal(create.statusCode, 413);
        assert.match(create.json().message, /1024 bytes/);

        const answers = [];
        for (let attempt = 0; attempt < 4; attempt++) {
          answers.push(
            await limited.muster.app.inject({ method: 'POST', url: '/api/systems/register', payload: { system_secret: 'my_00.' + '0'.repeat(40) } }),
          );
        }
        assert.deepEqual(
          answers.map((answer) => answer.statusCode),
          [401, 401, 401, 429],
        );
        assert.equal(answers[3]!.json().message, 'rate limit exceeded');
        assert.ok(Number(answers[3]!.headers['retry-after']) > 0);
      } finally {
        await limited.close();
      }
    });

    it('answers unknown routes with a 404 envelope', async () => {
      const response = await t.muster.app.inject({ method: 'GET', url: '/api/nothing-here' });
      assert.equal(response.statusCode, 404);
      assert.equal(response.json().code, 404);
    });
  });
}
