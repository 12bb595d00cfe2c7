import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestOpenIdProvider, type TestOpenIdProvider } from '../../../test/helpers/oidc-provider.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';

const CALLBACK = 'http://muster.test/api/v1/session/oidc/callback';

// A sign-in through the OpenID provider (a GET to the callback) is audited like a password sign-in.
for (const kind of databaseKinds()) {
  describe(`audit log of single sign-on (${kind})`, () => {
    let provider: TestOpenIdProvider;
    const env: Record<string, string> = {};
    before(async () => {
      provider = await startTestOpenIdProvider({
        clientId: 'muster',
        clientSecret: 'muster-client-secret',
        redirectUris: [CALLBACK],
        profileClaims: ['muster_roles'],
        accounts: { cleo: { email: 'cleo@example.com', email_verified: true, name: 'Cleo' } },
      });
      Object.assign(env, {
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: 'muster',
        OIDC_CLIENT_SECRET: 'muster-client-secret',
        OIDC_REDIRECT_URL: CALLBACK,
      });
    });
    const { database, t } = useTestMuster(kind, { env });
    after(() => provider.close());

    it('records the callback that opened a session, with the user it signed in as the actor', async () => {
      const started = await t.muster.app.inject({ method: 'GET', url: '/api/v1/session/oidc/start?return_to=/systems' });
      assert.equal(started.statusCode, 302, started.body);
      const state = String(started.headers['set-cookie']).split(';')[0]!;
      const returned = await provider.authorize(String(started.headers.location), 'cleo');
      const finished = await t.muster.app.inject({
        method: 'GET',
        url: `${returned.pathname}${returned.search}`,
        headers: { cookie: state, 'user-agent': 'sso-browser/2.0' },
        remoteAddress: '203.0.113.50',
      });
      assert.equal(finished.statusCode, 302, finished.body);
      const { rows: users } = await database.db.query<{ id: string }>("SELECT id FROM users WHERE email = 'cleo@example.com'");
      const userId = users[0]!.id;

      const { rows } = await database.db.query<Record<string, unknown>>(
        "SELECT actor_type, actor_id, user_id, action, outcome, http_status, address, user_agent FROM audit_log WHERE action = 'session.oidc.callback'",
      );
      assert.deepEqual(rows, [
        {
          actor_type: 'user',
          actor_id: userId,
          user_id: userId,
          action: 'session.oidc.callback',
          outcome: 'success',
          http_status: 302,
          address: '203.0.113.50',
          user_agent: 'sso-browser/2.0',
        },
      ]);
      const { rows: sessions } = await database.db.query('SELECT id FROM sessions WHERE user_id = $1', [userId]);
      assert.equal(sessions.length, 1, 'the session the row records');
    });
  });
}
