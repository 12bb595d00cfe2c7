import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { startTestOpenIdProvider, type TestOpenIdProvider } from '../../../test/helpers/oidc-provider.ts';

const CALLBACK = 'http://muster.test/api/v1/session/oidc/callback';
const ORGANIZATION = 'Acme SSO';

// Muster as app.ts composes it, against a real OpenID provider on loopback: a verified sign-in
// ends with a dashboard session for the user the provider names, with the provider's roles.
for (const kind of databaseKinds()) {
  describe(`single sign-on in the composed app (${kind})`, () => {
    let provider: TestOpenIdProvider;
    const accounts: Record<string, Record<string, unknown>> = {
      ana: { email: 'Ana@Example.com', email_verified: true, name: 'Ana', muster_roles: [`${ORGANIZATION}:operator`, 'No Such Org:owner'] },
      bob: { email: 'bob@example.com', email_verified: true, name: 'Bob' },
      eve: { email: 'eve@example.com', email_verified: false },
    };
    const env: Record<string, string> = {};
    before(async () => {
      provider = await startTestOpenIdProvider({
        clientId: 'muster',
        clientSecret: 'muster-client-secret',
        redirectUris: [CALLBACK],
        profileClaims: ['muster_roles'],
        accounts,
      });
      Object.assign(env, {
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: 'muster',
        OIDC_CLIENT_SECRET: 'muster-client-secret',
        OIDC_REDIRECT_URL: CALLBACK,
      });
    });
    const { t } = useTestMuster(kind, { env });
    const off = useTestMuster(kind);
    after(() => provider.close());

    /** Plays the browser: start, sign in at the provider as `account`, come back; the callback's answer. */
    async function signIn(account: string) {
      const started = await t.muster.app.inject({ method: 'GET', url: '/api/v1/session/oidc/start?return_to=/systems' });
      assert.equal(started.statusCode, 302, started.body);
      const state = String(started.headers['set-cookie']).split(';')[0]!;
      const returned = await provider.authorize(String(started.headers.location), account);
      return t.muster.app.inject({ method: 'GET', url: `${returned.pathname}${returned.search}`, headers: { cookie: state } });
    }

    function sessionCookie(response: { headers: Record<string, unknown> }): string {
      const cookies = [response.headers['set-cookie']].flat().map(String);
      const session = cookies.find((cookie) => cookie.startsWith('muster_session='));
      assert.ok(session, `no session cookie in ${JSON.stringify(cookies)}`);
      assert.match(session, /HttpOnly/i);
      assert.match(session, /SameSite=Strict/i);
      return session.split(';')[0]!;
    }

    it('is off without OIDC_ISSUER_URL', async () => {
      const info = await off.t.muster.app.inject({ method: 'GET', url: '/api/v1/session/oidc' });
      assert.equal(info.statusCode, 200, 'public: the sign-in page asks before anyone is signed in');
      assert.deepEqual(info.json(), { enabled: false, start_url: null });
      assert.equal(off.t.muster.sso.enabled, false);
    });

    it('creates the user by verified email with the roles of the claim, and opens a session', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: ORGANIZATION })).json<{ id: string }>();
      const finished = await signIn('ana');
      assert.equal(finished.statusCode, 302, finished.body);
      assert.equal(finished.headers.location, '/systems');
      const cookie = sessionCookie(finished);

      const session = await t.muster.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie } });
      assert.equal(session.statusCode, 200, session.body);
      const body = session.json<{ user: { id: string; email: string; name: string }; memberships: { organization_id: string; role: string }[] }>();
      assert.equal(body.user.email, 'Ana@Example.com');
      assert.equal(body.user.name, 'Ana');
      assert.deepEqual(body.memberships, [{ organization_id: organization.id, role: 'operator' }], 'the unknown organization is skipped');
      const user = (await t.admin.get(`/api/v1/users/${body.user.id}`)).json<{ password_set: boolean }>();
      assert.equal(user.password_set, false, 'an SSO user has no password');

      // The session works like a password sign-in's: the operator reads the organization's systems.
      const systems = await t.muster.app.inject({ method: 'GET', url: `/api/v1/systems?organization_id=${organization.id}`, headers: { cookie } });
      assert.equal(systems.statusCode, 200);

      // Signing in again matches the same user (email in another case at the provider makes no second one).
      const again = await signIn('ana');
      assert.equal(again.statusCode, 302);
      assert.equal((await t.admin.get('/api/v1/users?search=ana@example.com')).json<{ total: number }>().total, 1);
    });

    it("follows the provider's roles at each sign-in, but never takes an organization's last owner away", async () => {
      const acme = (await t.admin.get(`/api/v1/organizations?search=${encodeURIComponent(ORGANIZATION)}`)).json<{ items: { id: string }[] }>().items[0]!;
      const other = (await t.admin.post('/api/v1/organizations', { name: 'Other SSO' })).json<{ id: string }>();
      const owned = (await t.admin.post('/api/v1/organizations', { name: 'Owned by Ana' })).json<{ id: string }>();
      const ana = (await t.admin.get('/api/v1/users?search=ana@example.com')).json<{ items: { id: string }[] }>().items[0]!;
      assert.equal((await t.admin.put(`/api/v1/organizations/${owned.id}/members/${ana.id}`, { role: 'owner' })).statusCode, 201);

      accounts.ana!.muster_roles = { [other.id]: 'admin' };
      const finished = await signIn('ana');
      assert.equal(finished.statusCode, 302, finished.body);
      const session = await t.muster.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: sessionCookie(finished) } });
      const memberships = session.json<{ memberships: { organization_id: string; role: string }[] }>().memberships;
      assert.deepEqual(
        new Map(memberships.map((membership) => [membership.organization_id, membership.role])),
        new Map([
          [other.id, 'admin'],
          [owned.id, 'owner'],
        ]),
        `the operator role in ${acme.id} is gone, the last owner stays`,
      );
    });

    it('keeps the roles of a user when the provider sends no roles claim, and matches an existing user', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: 'Kept roles' })).json<{ id: string }>();
      const bob = (await t.admin.post('/api/v1/users', { email: 'BOB@example.com', name: 'Bob', password: 'a long passphrase here' })).json<{ id: string }>();
      assert.equal((await t.admin.put(`/api/v1/organizations/${organization.id}/members/${bob.id}`, { role: 'admin' })).statusCode, 201);
      const finished = await signIn('bob');
      assert.equal(finished.statusCode, 302, finished.body);
      const session = await t.muster.app.inject({ method: 'GET', url: '/api/v1/session', headers: { cookie: sessionCookie(finished) } });
      assert.equal(session.json<{ user: { id: string } }>().user.id, bob.id);
      assert.deepEqual(session.json<{ memberships: unknown[] }>().memberships, [{ organization_id: organization.id, role: 'admin' }]);
    });

    it('refuses an unverified email and a disabled user, opening no session', async () => {
      const unverified = await signIn('eve');
      assert.equal(unverified.statusCode, 403);
      assert.equal((await t.admin.get('/api/v1/users?search=eve@')).json<{ total: number }>().total, 0);

      const bob = (await t.admin.get('/api/v1/users?search=bob@example.com')).json<{ items: { id: string }[] }>().items[0]!;
      assert.equal((await t.admin.patch(`/api/v1/users/${bob.id}`, { disabled: true })).statusCode, 200);
      const disabled = await signIn('bob');
      assert.equal(disabled.statusCode, 403, disabled.body);
      assert.match(disabled.json<{ message: string }>().message, /disabled/);
      assert.ok(
        ![disabled.headers['set-cookie']]
          .flat()
          .map(String)
          .some((cookie) => cookie.startsWith('muster_session=mus_')),
      );
    });
  });
}
