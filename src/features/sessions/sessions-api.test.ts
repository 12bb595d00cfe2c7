import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { ManualClock } from '../../clock/clock.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { captureLogs } from '../../../test/helpers/log-capture.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { startTestMuster, useTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';

const PASSWORD = 'correct horse battery staple';
const WRONG = 'incorrect horse battery staple';
const ORIGIN = 'http://localhost';
const IDLE_MINUTES = 30;
const MAX_AGE_HOURS = 2;

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

for (const kind of databaseKinds()) {
  describe(`dashboard sessions (${kind})`, () => {
    const logs = captureLogs('trace');
    const { database, t } = useTestMuster(kind, {
      env: { SESSION_IDLE_TIMEOUT_MINUTES: String(IDLE_MINUTES), SESSION_MAX_AGE_HOURS: String(MAX_AGE_HOURS) },
      logger: logs.logger,
    });
    // Every cookie secret handed out, searched for in the logs and the database at the end.
    const secrets = new Set<string>();
    const csrfTokens = new Set<string>();
    let addressCount = 0;
    // Each test signs in from its own address, so the per-address limit of one never meets another's.
    const newAddress = () => `198.51.100.${++addressCount}`;
    const unique = () => Math.random().toString(36).slice(2, 10);

    async function newOrganization() {
      const response = await t.admin.post('/api/v1/organizations', { name: `org-${unique()}` });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string }>().id;
    }

    async function newUser(extra: Record<string, unknown> = {}) {
      const email = `user-${unique()}@example.com`;
      const response = await t.admin.post('/api/v1/users', { email, name: 'Session User', password: PASSWORD, ...extra });
      assert.equal(response.statusCode, 201, response.body);
      return { id: response.json<{ id: string }>().id, email };
    }

    async function addMember(organizationId: string, userId: string, role: string) {
      const response = await t.admin.put(`/api/v1/organizations/${organizationId}/members/${userId}`, { role });
      assert.ok([200, 201].includes(response.statusCode), response.body);
    }

    function signIn(email: string, password: string, options: { address?: string; headers?: Record<string, string>; on?: TestMuster } = {}) {
      return (options.on ?? t).muster.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email, password },
        remoteAddress: options.address ?? '192.0.2.1',
        headers: { origin: ORIGIN, 'user-agent': 'session-test/1.0', ...options.headers },
      });
    }

    function setCookieOf(response: LightMyRequestResponse): string {
      const header = response.headers['set-cookie'];
      const value = Array.isArray(header) ? header.find((cookie) => cookie.startsWith('muster_session=')) : header;
      assert.ok(value?.startsWith('muster_session='), `a session cookie is set: ${String(header)}`);
      return value!;
    }

    /** Signs in as a new session: the cookie's value and the CSRF token. */
    async function session(email: string, on?: TestMuster) {
      const response = await signIn(email, PASSWORD, { address: newAddress(), ...(on ? { on } : {}) });
      assert.equal(response.statusCode, 201, response.body);
      const cookie = /^muster_session=([^;]+)/.exec(setCookieOf(response))![1]!;
      secrets.add(cookie);
      const csrf = response.json<{ csrf_token: string }>().csrf_token;
      csrfTokens.add(csrf);
      return { cookie, csrf };
    }

    function withCookie(
      cookie: string,
      method: Method,
      url: string,
      options: { payload?: object; csrf?: string | undefined; headers?: Record<string, string>; on?: TestMuster } = {},
    ) {
      const headers: Record<string, string> = { cookie: `muster_session=${cookie}`, ...(method === 'GET' ? {} : { origin: ORIGIN }) };
      if (options.csrf !== undefined) headers['x-csrf-token'] = options.csrf;
      return (options.on ?? t).muster.app.inject({
        method,
        url,
        headers: { ...headers, ...options.headers },
        ...(options.payload ? { payload: options.payload } : {}),
      });
    }

    after(() => {
      // Neither the passwords nor any cookie secret reached the logs.
      const logged = logs.lines.join('\n');
      assert.ok(logs.lines.length > 0, 'requests were logged');
      assert.ok(!logged.includes(PASSWORD) && !logged.includes(WRONG), 'no password in the logs');
      for (const secret of secrets) assert.ok(!logged.includes(secret.slice(4)), 'no cookie secret in the logs');
      assert.ok(csrfTokens.size > 0);
      for (const csrf of csrfTokens) assert.ok(!logged.includes(csrf), 'no CSRF token in the logs');
    });

    it('signs in: an HttpOnly, SameSite=Strict cookie for the whole API, not Secure over plain HTTP, and only its hash stored', async () => {
      const organizationId = await newOrganization();
      const user = await newUser();
      await addMember(organizationId, user.id, 'operator');
      const response = await signIn(user.email.toUpperCase(), PASSWORD, { address: newAddress() });
      assert.equal(response.statusCode, 201, response.body);
      const header = setCookieOf(response);
      const attributes = header.split(';').map((part) => part.trim().toLowerCase());
      assert.ok(attributes.includes('httponly'));
      assert.ok(attributes.includes('samesite=strict'));
      assert.ok(attributes.includes('path=/'));
      assert.ok(attributes.includes(`max-age=${MAX_AGE_HOURS * 3600}`));
      assert.ok(!attributes.includes('secure'), 'not Secure over plain HTTP');
      // The forwarded protocol is not believed without TRUST_PROXY.
      const forwarded = await signIn(user.email, PASSWORD, { address: newAddress(), headers: { 'x-forwarded-proto': 'https', origin: ORIGIN } });
      assert.equal(forwarded.statusCode, 201, forwarded.body);
      assert.ok(!setCookieOf(forwarded).toLowerCase().includes('secure'));

      const cookie = /^muster_session=(mus_[A-Za-z0-9_-]{43});/.exec(header)?.[1];
      assert.ok(cookie, header);
      secrets.add(cookie);
      const body = response.json();
      assert.deepEqual(Object.keys(body).sort(), ['csrf_token', 'memberships', 'user']);
      assert.deepEqual(body.user, { id: user.id, email: user.email, name: 'Session User', global_admin: false });
      assert.deepEqual(body.memberships, [{ organization_id: organizationId, role: 'operator' }]);
      assert.match(body.csrf_token, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(!response.body.includes(cookie.slice(4)), 'the answer does not repeat the cookie');

      const { rows } = await database.db.query<Record<string, unknown>>('SELECT * FROM sessions WHERE user_id = $1', [user.id]);
      assert.equal(rows.length, 2);
      const row = rows.find((candidate) => candidate.token_hash === createHash('sha256').update(cookie).digest('hex'));
      assert.ok(row, 'the row holds the SHA-256 of the cookie');
      for (const value of Object.values(row)) {
        assert.ok(!String(value).includes(cookie.slice(4)), 'the cookie secret is not stored');
        assert.ok(!String(value).includes(body.csrf_token), 'the CSRF token is not stored');
      }
      assert.equal(row.user_agent, 'session-test/1.0');
      assert.equal((row.expires_at as Date).getTime() - (row.created_at as Date).getTime(), MAX_AGE_HOURS * 3_600_000);
    });

    it('answers who is signed in, with the same CSRF token; ADMIN_TOKEN has no session', async () => {
      const organizationId = await newOrganization();
      const user = await newUser({ global_admin: true });
      await addMember(organizationId, user.id, 'viewer');
      const { cookie, csrf } = await session(user.email);
      const response = await withCookie(cookie, 'GET', '/api/v1/session');
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), {
        user: { id: user.id, email: user.email, name: 'Session User', global_admin: true },
        memberships: [{ organization_id: organizationId, role: 'viewer' }],
        csrf_token: csrf,
      });
      assert.equal((await t.admin.get('/api/v1/session')).statusCode, 404);
      // A personal token answers for its user, without a CSRF token (a bearer needs none), and has no session to list as current.
      const { token } = await t.muster.personalTokens.create(user.id, { name: 'session test' });
      const byToken = await t.muster.app.inject({ method: 'GET', url: '/api/v1/session', headers: { authorization: `Bearer ${token}` } });
      assert.equal(byToken.statusCode, 200, byToken.body);
      assert.deepEqual(byToken.json(), { ...response.json(), csrf_token: null });
      const listed = await t.muster.app.inject({ method: 'GET', url: '/api/v1/sessions', headers: { authorization: `Bearer ${token}` } });
      assert.deepEqual(
        listed.json().items.map((item: { current: boolean }) => item.current),
        [false],
      );
      assert.equal((await t.muster.app.inject({ method: 'GET', url: '/api/v1/session' })).statusCode, 401);
      assert.equal((await withCookie('mus_not-a-session', 'GET', '/api/v1/session')).statusCode, 401);
    });

    it("lets a viewer's cookie read but not change; refuses changes without the CSRF token or from another origin, even for an owner", async () => {
      const organizationId = await newOrganization();
      const viewer = await newUser();
      const owner = await newUser();
      await addMember(organizationId, viewer.id, 'viewer');
      await addMember(organizationId, owner.id, 'owner');
      await t.admin.post('/api/v1/systems', { name: `sys-${unique()}`, organization_id: organizationId });

      const asViewer = await session(viewer.email);
      const read = await withCookie(asViewer.cookie, 'GET', `/api/v1/systems?organization_id=${organizationId}`);
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().total, 1);
      const refused = await withCookie(asViewer.cookie, 'POST', '/api/v1/systems', {
        payload: { name: `sys-${unique()}`, organization_id: organizationId },
        csrf: asViewer.csrf,
      });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.match(refused.json().message, /systems:operate/);

      const asOwner = await session(owner.email);
      const create = (options: { csrf?: string; headers?: Record<string, string> }) =>
        withCookie(asOwner.cookie, 'POST', '/api/v1/systems', { payload: { name: `sys-${unique()}`, organization_id: organizationId }, ...options });
      const noToken = await create({});
      assert.equal(noToken.statusCode, 403);
      assert.match(noToken.json().message, /CSRF.*X-CSRF-Token/);
      assert.equal((await create({ csrf: asViewer.csrf })).statusCode, 403, "another session's token");
      assert.equal((await create({ csrf: `${asOwner.csrf.slice(0, -1)}x` })).statusCode, 403);
      const foreign = await create({ csrf: asOwner.csrf, headers: { origin: 'https://evil.example' } });
      assert.equal(foreign.statusCode, 403);
      assert.match(foreign.json().message, /another origin/);
      assert.equal((await create({ csrf: asOwner.csrf, headers: { origin: 'http://localhost:8080' } })).statusCode, 403, 'another port');
      assert.equal((await create({ csrf: asOwner.csrf, headers: { origin: 'null' } })).statusCode, 403);
      const noOrigin = await withCookie(asOwner.cookie, 'POST', '/api/v1/systems', {
        payload: { name: `sys-${unique()}`, organization_id: organizationId },
        csrf: asOwner.csrf,
        headers: { origin: '' },
      });
      assert.equal(noOrigin.statusCode, 403);
      assert.equal((await create({ csrf: asOwner.csrf, headers: { origin: '', referer: 'https://evil.example/page' } })).statusCode, 403);

      const created = await create({ csrf: asOwner.csrf });
      assert.equal(created.statusCode, 201, created.body);
      const byReferer = await create({ csrf: asOwner.csrf, headers: { origin: '', referer: `${ORIGIN}/systems` } });
      assert.equal(byReferer.statusCode, 201, byReferer.body);
      assert.equal((await t.admin.get(`/api/v1/systems?organization_id=${organizationId}`)).json().total, 3);
    });

    it('refuses a sign-in from another origin; one without an Origin is let through', async () => {
      const user = await newUser();
      const foreign = await signIn(user.email, PASSWORD, { address: newAddress(), headers: { origin: 'https://evil.example' } });
      assert.equal(foreign.statusCode, 403);
      assert.equal(foreign.headers['set-cookie'], undefined);
      const bare = await t.muster.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { email: user.email, password: PASSWORD },
        remoteAddress: newAddress(),
      });
      assert.equal(bare.statusCode, 201, bare.body);
      secrets.add(/^muster_session=([^;]+)/.exec(setCookieOf(bare))![1]!);
    });

    it('signs out: the session is revoked, the cookie cleared, and it no longer works', async () => {
      const user = await newUser();
      const { cookie, csrf } = await session(user.email);
      assert.equal((await withCookie(cookie, 'DELETE', '/api/v1/session')).statusCode, 403, 'signing out needs the CSRF token too');
      const out = await withCookie(cookie, 'DELETE', '/api/v1/session', { csrf });
      assert.equal(out.statusCode, 204, out.body);
      const cleared = setCookieOf(out);
      assert.match(cleared, /^muster_session=;/);
      assert.match(cleared, /Expires=Thu, 01 Jan 1970/);
      const after = await withCookie(cookie, 'GET', '/api/v1/session');
      assert.equal(after.statusCode, 401);
      assert.match(after.json().message, /sign in again/);
      assert.equal((await t.admin.delete('/api/v1/session')).statusCode, 403, 'ADMIN_TOKEN is no user');
    });

    it('lists my sessions, flags the current one, and revokes one of mine but not another user’s', async () => {
      const user = await newUser();
      const other = await newUser();
      const first = await session(user.email);
      t.clock.advance(1000);
      const second = await session(user.email);
      const foreign = await session(other.email);
      const list = await withCookie(first.cookie, 'GET', '/api/v1/sessions?sort=created_at');
      assert.equal(list.statusCode, 200, list.body);
      const page = list.json();
      assert.equal(page.total, 2);
      assert.equal(page.page, 1);
      assert.equal(page.page_size, 50);
      assert.deepEqual(Object.keys(page.items[0]).sort(), ['address', 'created_at', 'current', 'expires_at', 'id', 'last_seen_at', 'user_agent']);
      assert.deepEqual(
        page.items.map((item: { current: boolean }) => item.current),
        [true, false],
      );
      assert.match(page.items[0].address, /^198\.51\.100\./);
      const secondId = page.items[1].id;
      const paged = await withCookie(first.cookie, 'GET', '/api/v1/sessions?page=2&page_size=1&sort=created_at');
      assert.deepEqual(
        paged.json().items.map((item: { id: string }) => item.id),
        [secondId],
      );

      const foreignId = (await withCookie(foreign.cookie, 'GET', '/api/v1/sessions')).json().items[0].id;
      assert.equal((await withCookie(first.cookie, 'DELETE', `/api/v1/sessions/${foreignId}`, { csrf: first.csrf })).statusCode, 404);
      assert.equal((await withCookie(foreign.cookie, 'GET', '/api/v1/session')).statusCode, 200, "the other user's session goes on");

      const revoked = await withCookie(first.cookie, 'DELETE', `/api/v1/sessions/${secondId}`, { csrf: first.csrf });
      assert.equal(revoked.statusCode, 204);
      assert.equal(revoked.headers['set-cookie'], undefined, 'the current cookie stays');
      assert.equal((await withCookie(second.cookie, 'GET', '/api/v1/session')).statusCode, 401);
      assert.equal((await withCookie(first.cookie, 'GET', '/api/v1/sessions')).json().total, 1);
      assert.equal((await withCookie(first.cookie, 'DELETE', `/api/v1/sessions/${secondId}`, { csrf: first.csrf })).statusCode, 404);
    });

    it('stops a revoked session at once on a second node, and a disabled user’s sessions', async () => {
      const second = await startTestMuster(await database.openAnother(), {}, new ManualClock(t.clock.now()));
      try {
        const user = await newUser();
        const { cookie, csrf } = await session(user.email);
        assert.equal((await withCookie(cookie, 'GET', '/api/v1/session', { on: second })).statusCode, 200, 'the second node knows it (and caches it)');
        assert.equal((await withCookie(cookie, 'DELETE', '/api/v1/session', { csrf })).statusCode, 204);
        await eventually(
          async () => (await withCookie(cookie, 'GET', '/api/v1/session', { on: second })).statusCode === 401,
          'the second node to refuse the revoked session',
          2_000,
        );

        const other = await newUser();
        const kept = await session(other.email, second);
        assert.equal((await withCookie(kept.cookie, 'GET', '/api/v1/session', { on: second })).statusCode, 200);
        assert.equal((await t.admin.patch(`/api/v1/users/${other.id}`, { disabled: true })).statusCode, 200);
        await eventually(
          async () => (await withCookie(kept.cookie, 'GET', '/api/v1/session', { on: second })).statusCode === 401,
          "the second node to refuse the disabled user's session",
          2_000,
        );
      } finally {
        await second.close();
      }
    });

    it('sets Secure and checks the forwarded origin behind TRUST_PROXY, with the cookie under BASE_PATH', async () => {
      const proxied = await startTestMuster(await database.openAnother(), { TRUST_PROXY: 'true', BASE_PATH: '/collect' }, new ManualClock(t.clock.now()));
      try {
        const user = await newUser();
        const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'muster.example.com', origin: 'https://muster.example.com' };
        const response = await signIn(user.email, PASSWORD, { address: newAddress(), headers, on: proxied });
        assert.equal(response.statusCode, 201, response.body);
        const attributes = setCookieOf(response)
          .split(';')
          .map((part) => part.trim().toLowerCase());
        assert.ok(attributes.includes('secure'));
        assert.ok(attributes.includes('path=/collect'));
        const cookie = /^muster_session=([^;]+)/.exec(setCookieOf(response))![1]!;
        secrets.add(cookie);
        const out = await withCookie(cookie, 'DELETE', '/collect/api/v1/session', {
          csrf: response.json().csrf_token,
          headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'muster.example.com', origin: 'http://muster.example.com' },
          on: proxied,
        });
        assert.equal(out.statusCode, 403, 'http:// is another origin than https://');
        const signedOut = await withCookie(cookie, 'DELETE', '/collect/api/v1/session', { csrf: response.json().csrf_token, headers, on: proxied });
        assert.equal(signedOut.statusCode, 204, signedOut.body);
        assert.match(setCookieOf(signedOut), /Path=\/collect/);
      } finally {
        await proxied.close();
      }
    });

    it('ends a session idle for SESSION_IDLE_TIMEOUT_MINUTES, and any session SESSION_MAX_AGE_HOURS after sign-in', async () => {
      const user = await newUser();
      const idle = await session(user.email);
      t.clock.advanceMinutes(IDLE_MINUTES - 5);
      assert.equal((await withCookie(idle.cookie, 'GET', '/api/v1/session')).statusCode, 200);
      t.clock.advanceMinutes(IDLE_MINUTES - 5);
      assert.equal((await withCookie(idle.cookie, 'GET', '/api/v1/session')).statusCode, 200, 'its use moved the idle deadline');
      t.clock.advanceMinutes(IDLE_MINUTES + 1);
      assert.equal((await withCookie(idle.cookie, 'GET', '/api/v1/session')).statusCode, 401, 'idle too long');

      const busy = await session(user.email);
      for (let minutes = 20; minutes < MAX_AGE_HOURS * 60; minutes += 20) {
        t.clock.advanceMinutes(20);
        assert.equal((await withCookie(busy.cookie, 'GET', '/api/v1/session')).statusCode, 200, `${minutes} minutes in`);
      }
      t.clock.advanceMinutes(20);
      assert.equal((await withCookie(busy.cookie, 'GET', '/api/v1/session')).statusCode, 401, 'past the absolute lifetime');
      assert.equal((await withCookie(idle.cookie, 'GET', '/api/v1/sessions')).statusCode, 401);
      const fresh = await session(user.email);
      assert.equal((await withCookie(fresh.cookie, 'GET', '/api/v1/sessions')).json().total, 1, 'ended sessions are not listed');
    });

    it('deletes the rows of sessions ended more than 30 days ago, and only those', async () => {
      const user = await newUser();
      const signedOut = await session(user.email);
      const live = await session(user.email);
      assert.equal((await withCookie(signedOut.cookie, 'DELETE', '/api/v1/session', { csrf: signedOut.csrf })).statusCode, 204);
      const rows = async () => (await database.db.query('SELECT id FROM sessions WHERE user_id = $1', [user.id])).rows.length;
      await t.muster.sessions.pruneEnded();
      assert.equal(await rows(), 2, 'a session signed out just now keeps its row');
      t.clock.advanceMinutes(30 * 24 * 60 + 1);
      await t.muster.sessions.pruneEnded();
      // The live one is idle by now, and idle for longer than 30 days only later.
      assert.equal(await rows(), 1);
      assert.equal((await withCookie(live.cookie, 'GET', '/api/v1/session')).statusCode, 401);
      t.clock.advanceMinutes(IDLE_MINUTES);
      await t.muster.sessions.pruneEnded();
      assert.equal(await rows(), 0);
    });

    it("keeps a session used on another node: a node's stale view of its last use is checked before it is refused", async () => {
      const second = await startTestMuster(
        await database.openAnother(),
        { SESSION_IDLE_TIMEOUT_MINUTES: String(IDLE_MINUTES) },
        new ManualClock(t.clock.now()),
      );
      try {
        const user = await newUser();
        const { cookie } = await session(user.email);
        assert.equal((await withCookie(cookie, 'GET', '/api/v1/session', { on: second })).statusCode, 200, 'cached on the second node');
        for (let step = 0; step < 2; step++) {
          t.clock.advanceMinutes(IDLE_MINUTES - 10);
          second.clock.advanceMinutes(IDLE_MINUTES - 10);
          assert.equal((await withCookie(cookie, 'GET', '/api/v1/session')).statusCode, 200, 'used on the first node');
          // The use is written off the request path: wait until it has landed.
          const usedAt = t.clock.now().getTime();
          await eventually(async () => {
            const { rows } = await database.db.query<{ last_seen_at: Date }>('SELECT last_seen_at FROM sessions WHERE user_id = $1', [user.id]);
            return rows[0]!.last_seen_at.getTime() === usedAt;
          }, 'the first node to record the use');
        }
        // The second node last saw it 2 × (IDLE - 10) minutes ago, but the first node 0 minutes ago.
        assert.equal((await withCookie(cookie, 'GET', '/api/v1/session', { on: second })).statusCode, 200);
        t.clock.advanceMinutes(IDLE_MINUTES + 1);
        second.clock.advanceMinutes(IDLE_MINUTES + 1);
        assert.equal((await withCookie(cookie, 'GET', '/api/v1/session', { on: second })).statusCode, 401);
      } finally {
        await second.close();
      }
    });

    it('records last_seen_at at most once a minute', async () => {
      const user = await newUser();
      const { cookie } = await session(user.email);
      const lastSeen = async () =>
        (await database.db.query<{ last_seen_at: Date }>('SELECT last_seen_at FROM sessions WHERE user_id = $1', [user.id])).rows[0]!.last_seen_at.getTime();
      const signedInAt = t.clock.now().getTime();
      assert.equal(await lastSeen(), signedInAt);
      t.clock.advance(30_000);
      await withCookie(cookie, 'GET', '/api/v1/session');
      assert.equal(await lastSeen(), signedInAt, 'not within the minute');
      t.clock.advance(31_000);
      await withCookie(cookie, 'GET', '/api/v1/session');
      // Written off the request path: wait for it to land.
      await eventually(async () => (await lastSeen()) === signedInAt + 61_000, 'last_seen_at to move a minute on');
    });

    it('gives an unknown email, a wrong password, a disabled user and one without a password byte-identical answers', async () => {
      const user = await newUser();
      const disabled = await newUser();
      assert.equal((await t.admin.patch(`/api/v1/users/${disabled.id}`, { disabled: true })).statusCode, 200);
      const invited = (await t.admin.post('/api/v1/users', { email: `invited-${unique()}@example.com`, name: 'Invited' })).json<{ email: string }>();
      const address = newAddress();
      const answers = [
        await signIn(`nobody-${unique()}@example.com`, PASSWORD, { address }),
        await signIn(user.email, WRONG, { address }),
        await signIn(disabled.email, PASSWORD, { address }),
        await signIn(invited.email, PASSWORD, { address }),
      ];
      for (const answer of answers) {
        assert.equal(answer.statusCode, 401);
        assert.equal(answer.body, answers[0]!.body);
        assert.equal(answer.headers['set-cookie'], undefined);
      }
      assert.deepEqual(answers[0]!.json(), { code: 401, message: 'wrong email or password', data: null });
    });

    it('locks an account out after 5 failed sign-ins in 15 minutes, even for the right password, with Retry-After', async () => {
      const user = await newUser();
      for (let attempt = 1; attempt <= 5; attempt++) {
        // From several addresses: the account's limit does not depend on where attempts come from.
        const response = await signIn(attempt % 2 ? user.email : user.email.toUpperCase(), WRONG, { address: newAddress() });
        assert.equal(response.statusCode, 401, `attempt ${attempt}`);
        t.clock.advance(10_000);
      }
      const locked = await signIn(user.email, PASSWORD, { address: newAddress() });
      assert.equal(locked.statusCode, 429, locked.body);
      assert.equal(locked.json().code, 429);
      assert.match(locked.json().message, /too many failed sign-ins/);
      const retryAfter = Number(locked.headers['retry-after']);
      // The first failure was 50 s ago: it leaves the 15-minute window in 850 s.
      assert.equal(retryAfter, 15 * 60 - 50);
      assert.equal(locked.json().data.retry_after_seconds, retryAfter);
      assert.equal(locked.headers['set-cookie'], undefined);

      t.clock.advance(retryAfter * 1000);
      const admitted = await signIn(user.email, PASSWORD, { address: newAddress() });
      assert.equal(admitted.statusCode, 201, admitted.body);
      secrets.add(/^muster_session=([^;]+)/.exec(setCookieOf(admitted))![1]!);
      // A success forgets the account's failures.
      for (let attempt = 1; attempt <= 4; attempt++) assert.equal((await signIn(user.email, WRONG, { address: newAddress() })).statusCode, 401);
      assert.equal((await signIn(user.email, PASSWORD, { address: newAddress() })).statusCode, 201);

      const { rows } = await database.db.query<Record<string, unknown>>('SELECT * FROM sign_in_failures');
      for (const row of rows)
        for (const value of Object.values(row)) assert.ok(!String(value).toLowerCase().includes(user.email), 'emails are not stored in clear');
    });

    it('lets no more than 5 concurrent wrong passwords for one account through to a password check', async () => {
      const user = await newUser();
      const answers = await Promise.all(Array.from({ length: 10 }, () => signIn(user.email, WRONG, { address: newAddress() })));
      const statuses = answers.map((answer) => answer.statusCode);
      assert.ok(
        statuses.every((status) => status === 401 || status === 429),
        String(statuses),
      );
      assert.ok(statuses.filter((status) => status === 401).length <= 5, String(statuses));
      const { rows } = await database.db.query<{ failures: number }>(
        "SELECT count(*)::int AS failures FROM sign_in_failures WHERE subject = encode(sha256(convert_to('account:' || $1, 'UTF8')), 'hex')",
        [user.email],
      );
      assert.equal(rows[0]!.failures, statuses.filter((status) => status === 401).length, 'each password checked counts once, refusals not at all');
    });

    it('limits failed sign-ins per address to 20 in 15 minutes, whatever the accounts', async () => {
      const address = newAddress();
      const user = await newUser();
      for (let attempt = 1; attempt <= 20; attempt++) {
        assert.equal((await signIn(`guess-${attempt}-${unique()}@example.com`, WRONG, { address })).statusCode, 401, `attempt ${attempt}`);
      }
      const locked = await signIn(user.email, PASSWORD, { address });
      assert.equal(locked.statusCode, 429);
      assert.equal(locked.headers['retry-after'], String(15 * 60));
      assert.equal((await signIn(user.email, PASSWORD, { address: newAddress() })).statusCode, 201, 'another address is not limited');
      t.clock.advanceMinutes(15);
      const later = await signIn(user.email, PASSWORD, { address });
      assert.equal(later.statusCode, 201, later.body);
      secrets.add(/^muster_session=([^;]+)/.exec(setCookieOf(later))![1]!);
    });
  });
}
