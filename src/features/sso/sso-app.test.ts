import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { startTestOpenIdProvider, type TestOpenIdProvider } from '../../../test/helpers/oidc-provider.ts';

const CALLBACK = 'http://muster.test/api/v1/session/oidc/callback';

// Muster as app.ts composes it: settings from the environment, the node's secrets key, the
// routes mounted with the others. Sessions are not there yet, so a verified sign-in ends at the
// placeholder's 501 (the sign-in itself is tested in sso-api.test.ts).
for (const kind of databaseKinds()) {
  describe(`single sign-on in the composed app (${kind})`, () => {
    let provider: TestOpenIdProvider;
    const env: Record<string, string> = {};
    before(async () => {
      provider = await startTestOpenIdProvider({
        clientId: 'muster',
        clientSecret: 'muster-client-secret',
        redirectUris: [CALLBACK],
        accounts: { ana: { email: 'ana@example.com', email_verified: true } },
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

    it('is off without OIDC_ISSUER_URL', async () => {
      const info = await off.t.muster.app.inject({ method: 'GET', url: '/api/v1/session/oidc' });
      assert.equal(info.statusCode, 200, 'public: the sign-in page asks before anyone is signed in');
      assert.deepEqual(info.json(), { enabled: false, start_url: null });
      assert.equal(off.t.muster.sso.enabled, false);
    });

    it('runs a sign-in through the provider up to completeSignIn', async () => {
      assert.equal(t.muster.sso.enabled, true);
      assert.deepEqual(t.muster.sso.providerInfo(), { enabled: true, startUrl: '/api/v1/session/oidc/start' });
      const started = await t.muster.app.inject({ method: 'GET', url: '/api/v1/session/oidc/start' });
      assert.equal(started.statusCode, 302, started.body);
      const cookie = String(started.headers['set-cookie']).split(';')[0]!;
      const returned = await provider.authorize(String(started.headers.location), 'ana');
      const finished = await t.muster.app.inject({ method: 'GET', url: `${returned.pathname}${returned.search}`, headers: { cookie } });
      assert.equal(finished.statusCode, 501, finished.body);
      assert.equal(finished.json<{ message: string }>().message, 'SSO sign-in is not wired yet');
    });
  });
}
