import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { captureLogs } from '../../../test/helpers/log-capture.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { ADMIN_TOKEN, startTestMuster, useTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';

interface CreatedToken {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  token: string;
}

for (const kind of databaseKinds()) {
  describe(`personal API tokens (${kind})`, () => {
    const logs = captureLogs('trace');
    const { database, t } = useTestMuster(kind, { logger: logs.logger });
    // Every token made in the suite, looked for in the logs at its end.
    const secrets = new Set<string>([ADMIN_TOKEN]);

    /** A user who is an operator of a new organization, and a first token made for them. */
    async function operator() {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random().toString(36).slice(2)}` })).json<{ id: string }>();
      const user = (await t.admin.post('/api/v1/users', { email: `op-${Math.random().toString(36).slice(2)}@example.com`, name: 'Op' })).json<{ id: string }>();
      assert.equal((await t.admin.put(`/api/v1/organizations/${organization.id}/members/${user.id}`, { role: 'operator' })).statusCode, 201);
      const { token } = await t.muster.personalTokens.create(user.id, { name: 'first' });
      secrets.add(token);
      return { organizationId: organization.id, userId: user.id, bearer: `Bearer ${token}` };
    }

    async function call(muster: TestMuster, method: 'GET' | 'POST' | 'DELETE', url: string, authorization: string, payload?: object) {
      const response = await muster.muster.app.inject({ method, url, headers: { authorization }, ...(payload ? { payload } : {}) });
      const token = /"token":"(mpt_[^"]+)"/.exec(response.body)?.[1];
      if (token) secrets.add(token);
      return response;
    }

    it('creates a token shown once that acts with its owner roles, lists it without the secret, and stores only its hash', async () => {
      const { organizationId, userId, bearer } = await operator();
      const response = await call(t, 'POST', '/api/v1/tokens', bearer, { name: ' ci pipeline ' });
      assert.equal(response.statusCode, 201, response.body);
      const created = response.json<CreatedToken>();
      assert.match(created.token, /^mpt_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      assert.equal(created.prefix, created.token.slice(0, 12));
      assert.equal(created.name, 'ci pipeline');
      assert.equal(created.expires_at, null);

      const listed = (await call(t, 'GET', '/api/v1/tokens?sort=name', bearer)).json<{ items: Record<string, unknown>[]; total: number }>();
      assert.deepEqual(
        listed.items.map((item) => item.name),
        ['ci pipeline', 'first'],
      );
      assert.ok(listed.items.every((item) => !('token' in item)));

      const { rows } = await database.db.query<Record<string, unknown>>('SELECT * FROM personal_tokens WHERE user_id = $1', [userId]);
      const dump = JSON.stringify(rows);
      assert.ok(!dump.includes(created.token) && !dump.includes(created.token.slice(13)), 'no token in clear');

      // The new token acts as the user: an operator creates systems in the organization, not elsewhere.
      const tokenBearer = `Bearer ${created.token}`;
      assert.equal((await call(t, 'POST', '/api/v1/systems', tokenBearer, { name: 'by token', organization_id: organizationId })).statusCode, 201);
      assert.equal((await call(t, 'POST', '/api/v1/organizations', tokenBearer, { name: 'nope' })).statusCode, 403);
      assert.equal((await call(t, 'GET', '/api/v1/jobs', tokenBearer)).statusCode, 403);
    });

    it("shows and revokes only the caller's own tokens", async () => {
      const alice = await operator();
      const bob = await operator();
      const bobs = (await call(t, 'POST', '/api/v1/tokens', bob.bearer, { name: 'bob' })).json<CreatedToken>();
      assert.equal((await call(t, 'DELETE', `/api/v1/tokens/${bobs.id}`, alice.bearer)).statusCode, 404);
      const alicesList = (await call(t, 'GET', '/api/v1/tokens', alice.bearer)).json<{ items: { id: string }[] }>();
      assert.ok(!alicesList.items.some((item) => item.id === bobs.id));
      assert.equal((await call(t, 'GET', '/api/v1/tokens', `Bearer ${bobs.token}`)).statusCode, 200);
    });

    it('refuses a revoked token at once, on this node and on a second node on the same database', async () => {
      const other = await database.openAnother();
      const second = await startTestMuster(other, {}, new ManualClock(t.clock.now()));
      try {
        const { bearer } = await operator();
        const created = (await call(t, 'POST', '/api/v1/tokens', bearer, { name: 'short-lived' })).json<CreatedToken>();
        const tokenBearer = `Bearer ${created.token}`;
        assert.equal((await call(t, 'GET', '/api/v1/systems', tokenBearer)).statusCode, 200);
        assert.equal((await call(second, 'GET', '/api/v1/systems', tokenBearer)).statusCode, 200);

        assert.equal((await call(t, 'DELETE', `/api/v1/tokens/${created.id}`, bearer)).statusCode, 204);
        const refused = await call(t, 'GET', '/api/v1/systems', tokenBearer);
        assert.equal(refused.statusCode, 401);
        assert.match(String(refused.headers['www-authenticate']), /error="invalid_token"/);
        await eventually(async () => (await call(second, 'GET', '/api/v1/systems', tokenBearer)).statusCode === 401, 'the second node to refuse it', 2_000);
        assert.equal((await call(t, 'DELETE', `/api/v1/tokens/${created.id}`, bearer)).statusCode, 404);
      } finally {
        await second.close();
      }
    });

    it('follows the owner at once on every node: a role taken away, a user disabled', async () => {
      const other = await database.openAnother();
      const second = await startTestMuster(other, {}, new ManualClock(t.clock.now()));
      try {
        const { organizationId, userId, bearer } = await operator();
        const system = await t.createSystem({ organization_id: organizationId });
        assert.equal((await call(second, 'POST', `/api/v1/systems/${system.id}/suspend`, bearer)).statusCode, 200);

        assert.equal((await t.admin.put(`/api/v1/organizations/${organizationId}/members/${userId}`, { role: 'viewer' })).statusCode, 200);
        assert.equal((await call(t, 'POST', `/api/v1/systems/${system.id}/reactivate`, bearer)).statusCode, 403);
        await eventually(
          async () => (await call(second, 'POST', `/api/v1/systems/${system.id}/reactivate`, bearer)).statusCode === 403,
          'the role change',
          2_000,
        );
        assert.equal((await call(second, 'GET', `/api/v1/systems/${system.id}`, bearer)).statusCode, 200, 'a viewer still reads');

        assert.equal((await t.admin.patch(`/api/v1/users/${userId}`, { disabled: true })).statusCode, 200);
        assert.equal((await call(t, 'GET', '/api/v1/systems', bearer)).statusCode, 401);
        await eventually(
          async () => (await call(second, 'GET', '/api/v1/systems', bearer)).statusCode === 401,
          'the second node to refuse a disabled user',
          2_000,
        );
      } finally {
        await second.close();
      }
    });

    it('stops a token at its expiry, refuses an expiry in the past, and records last use at most once a minute', async () => {
      const { bearer } = await operator();
      const past = await call(t, 'POST', '/api/v1/tokens', bearer, { name: 'late', expires_at: new Date(t.clock.now().getTime() - 1000).toISOString() });
      assert.equal(past.statusCode, 400);
      const expiresAt = new Date(t.clock.now().getTime() + 3_600_000);
      const created = (await call(t, 'POST', '/api/v1/tokens', bearer, { name: 'hour', expires_at: expiresAt.toISOString() })).json<CreatedToken>();
      assert.equal(created.expires_at, expiresAt.toISOString());
      const tokenBearer = `Bearer ${created.token}`;

      assert.equal((await call(t, 'GET', '/api/v1/systems', tokenBearer)).statusCode, 200);
      const lastUsed = async () =>
        (await call(t, 'GET', '/api/v1/tokens', bearer)).json<{ items: CreatedToken[] }>().items.find((item) => item.id === created.id)!.last_used_at;
      await eventually(async () => (await lastUsed()) !== null, 'the first use recorded', 2_000);
      const first = await lastUsed();
      t.clock.advance(30_000);
      assert.equal((await call(t, 'GET', '/api/v1/systems', tokenBearer)).statusCode, 200);
      assert.equal(await lastUsed(), first, 'not again within a minute');

      t.clock.advance(3_600_000);
      const expired = await call(t, 'GET', '/api/v1/systems', tokenBearer);
      assert.equal(expired.statusCode, 401);
      assert.match(expired.json<{ message: string }>().message, /expired/);
    });

    it('refuses malformed, unknown and forged tokens alike, and keeps ADMIN_TOKEN and API keys out of /tokens', async () => {
      const { bearer } = await operator();
      const created = (await call(t, 'POST', '/api/v1/tokens', bearer, { name: 'x' })).json<CreatedToken>();
      const forged = `${created.prefix}_${'A'.repeat(43)}`;
      for (const token of ['mpt_short', forged, 'mpt_zzzzzzzz_' + 'B'.repeat(43)]) {
        const response = await call(t, 'GET', '/api/v1/systems', `Bearer ${token}`);
        assert.equal(response.statusCode, 401, token);
        assert.equal(response.json<{ message: string }>().message, 'invalid token');
      }
      assert.equal((await t.admin.get('/api/v1/tokens')).statusCode, 403);
    });

    it('never logs a token, even at trace level', () => {
      assert.ok(logs.lines.length > 0 && secrets.size > 5, `${logs.lines.length} lines, ${secrets.size} secrets`);
      for (const line of logs.lines) for (const secret of secrets) assert.ok(!line.includes(secret), `a token in the log: ${line.slice(0, 200)}`);
    });
  });
}
