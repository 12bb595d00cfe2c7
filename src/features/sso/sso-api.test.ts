import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ManualClock } from '../../clock/clock.ts';
import { mountRoutes } from '../../composition/mount.ts';
import { loadConfig } from '../../config/config.ts';
import { createSecretBox } from '../../crypto/secret-box.ts';
import { createBodyBudget } from '../../http/body-budget.ts';
import { createHttpApp } from '../../http/http-app.ts';
import { createMetrics } from '../../metrics/metrics.ts';
import { freePort } from '../../../test/helpers/free-port.ts';
import { captureLogs } from '../../../test/helpers/log-capture.ts';
import { startTestOpenIdProvider, type TestOpenIdProvider } from '../../../test/helpers/oidc-provider.ts';
import { createSso, type CompleteSignIn, type SsoIdentity } from './index.ts';

const CLIENT_ID = 'muster-test';
const CLIENT_SECRET = 'client-secret-that-must-never-be-logged';
const HOST = 'muster.test';
const CALLBACK = `http://${HOST}/api/v1/session/oidc/callback`;
const ACCOUNTS = {
  ana: { email: 'ana@example.com', email_verified: true, name: 'Ana Lima', muster_roles: ['acme:admin', 'globex:viewer', 'initech:superuser', 42] },
  bob: { email: 'bob@example.com', email_verified: true, name: 'Bob', muster_roles: { acme: 'owner', globex: 'root', initech: 'operator' } },
  carol: { email: 'carol@example.com', email_verified: true },
  unverified: { email: 'mallory@example.com', email_verified: false, muster_roles: ['acme:owner'] },
  noemail: { name: 'No Email' },
};

interface SsoApp {
  app: FastifyInstance;
  signIns: SsoIdentity[];
  clock: ManualClock;
  logs: string[];
}

/** The real HTTP app (error envelope, routing, BASE_PATH) with the SSO feature mounted on it, as app.ts does. */
async function startSsoApp(env: Record<string, string>, completeSignIn?: CompleteSignIn): Promise<SsoApp> {
  const config = loadConfig({ LOG_LEVEL: 'debug', ...env });
  const { logger, lines } = captureLogs('debug');
  const signIns: SsoIdentity[] = [];
  const clock = new ManualClock(new Date());
  const app = await createHttpApp({ config, logger, metrics: createMetrics(), bodyBudget: createBodyBudget(config.apiMaxInFlightSize), version: 'test' });
  const sso = await createSso({
    config,
    secrets: createSecretBox(randomBytes(32)),
    clock,
    logger,
    completeSignIn:
      completeSignIn ??
      (async (identity, _request, reply) => {
        signIns.push(identity);
        void reply.header('set-cookie', 'muster_session=opened; Path=/; HttpOnly; SameSite=Strict');
      }),
  });
  // Only public routes here: no management route reaches the access control.
  const refuseAll = async () => {
    throw new Error('no management route is mounted');
  };
  await mountRoutes(app, [sso.mount], {
    roles: config.roles,
    access: { authenticate: refuseAll, organizationOfSystem: refuseAll, defaultOrganizationId: refuseAll, securitySchemes: [] },
  });
  await app.ready();
  return { app, signIns, clock, logs: lines };
}

function oidcEnv(provider: { issuer: string }, extra: Record<string, string> = {}): Record<string, string> {
  return { OIDC_ISSUER_URL: provider.issuer, OIDC_CLIENT_ID: CLIENT_ID, OIDC_CLIENT_SECRET: CLIENT_SECRET, ...extra };
}

function cookieNamed(response: LightMyRequestResponse, name: string): string | undefined {
  const header = response.headers['set-cookie'];
  return (Array.isArray(header) ? header : header === undefined ? [] : [String(header)]).find((cookie) => cookie.startsWith(`${name}=`));
}

function stateCookieValue(response: LightMyRequestResponse): string {
  const cookie = cookieNamed(response, 'muster_oidc_state');
  assert.ok(cookie, `no state cookie in ${JSON.stringify(response.headers['set-cookie'])}`);
  return cookie.split(';')[0]!.slice('muster_oidc_state='.length);
}

async function startSignIn(app: FastifyInstance, query = '', url = '/api/v1/session/oidc/start') {
  const response = await app.inject({ method: 'GET', url: `${url}${query}`, headers: { host: HOST } });
  assert.equal(response.statusCode, 302, response.body);
  return { response, location: String(response.headers.location), state: stateCookieValue(response) };
}

function callback(app: FastifyInstance, returned: URL, state: string | undefined) {
  return app.inject({
    method: 'GET',
    url: `${returned.pathname}${returned.search}`,
    headers: { host: HOST, ...(state === undefined ? {} : { cookie: `other=1; muster_oidc_state=${state}` }) },
  });
}

describe('single sign-on with OpenID Connect (against oidc-provider on loopback)', () => {
  let provider: TestOpenIdProvider;
  let sso: SsoApp;

  before(async () => {
    provider = await startTestOpenIdProvider({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUris: [CALLBACK, `http://${HOST}/collect/api/v1/session/oidc/callback`, 'https://muster.example.com/api/v1/session/oidc/callback'],
      profileClaims: ['muster_roles'],
      accounts: ACCOUNTS,
    });
    sso = await startSsoApp(oidcEnv(provider));
  });
  after(async () => {
    await sso.app.close();
    await provider.close();
  });

  it('says whether it is configured and where it starts', async () => {
    const response = await sso.app.inject({ method: 'GET', url: '/api/v1/session/oidc' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { enabled: true, start_url: '/api/v1/session/oidc/start' });
  });

  it('signs in through the provider: start, provider, callback, identity with the mapped roles, back to return_to', async () => {
    const { response: started, location, state } = await startSignIn(sso.app, '?return_to=%2Fsystems%3Fstatus%3Dactive');
    const authorization = new URL(location);
    assert.equal(`${authorization.origin}${authorization.pathname}`, `${provider.issuer}/auth`);
    const params = authorization.searchParams;
    assert.equal(params.get('response_type'), 'code');
    assert.equal(params.get('client_id'), CLIENT_ID);
    assert.equal(params.get('redirect_uri'), CALLBACK, 'derived from the request: <proto>://<host><BASE_PATH>/api/v1/session/oidc/callback');
    assert.equal(params.get('scope'), 'openid email profile');
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.match(params.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.ok(params.get('state') && params.get('nonce'));

    const cookie = cookieNamed(started, 'muster_oidc_state')!;
    assert.match(cookie, /; Max-Age=600; Path=\/api\/v1\/session\/oidc\/callback; HttpOnly; SameSite=Lax$/, 'not Secure over plain HTTP');
    assert.ok(!state.includes(params.get('state')!) && !state.includes(params.get('nonce')!), 'the cookie holds the state sealed, not in clear');

    const returned = await provider.authorize(location, 'ana');
    assert.equal(`${returned.origin}${returned.pathname}`, CALLBACK);
    const code = returned.searchParams.get('code');
    assert.ok(code);

    const finished = await callback(sso.app, returned, state);
    assert.equal(finished.statusCode, 302, finished.body);
    assert.equal(finished.headers.location, '/systems?status=active');
    assert.deepEqual(sso.signIns.at(-1), {
      issuer: provider.issuer,
      subject: 'ana',
      email: 'ana@example.com',
      name: 'Ana Lima',
      roles: [
        { organization: 'acme', role: 'admin' },
        { organization: 'globex', role: 'viewer' },
      ],
    });
    assert.match(cookieNamed(finished, 'muster_oidc_state') ?? '', /^muster_oidc_state=; Max-Age=0; Path=\/api\/v1\/session\/oidc\/callback;/, 'state cleared');
    assert.ok(cookieNamed(finished, 'muster_session'), "completeSignIn's own cookie is kept beside it");

    const logs = sso.logs.join('');
    assert.ok(logs.includes('/api/v1/session/oidc/callback'), 'requests are logged at debug (so the check below means something)');
    for (const secret of [code, CLIENT_SECRET, params.get('state')!, state]) assert.ok(!logs.includes(secret), `logs hold ${secret.slice(0, 12)}…`);

    // The same answer again (a replayed callback URL with its cookie): the code is spent.
    const replayed = await callback(sso.app, returned, state);
    assert.equal(replayed.statusCode, 401, replayed.body);
    assert.match(replayed.json<{ message: string }>().message, /did not accept the sign-in \(invalid_grant\)/);
    assert.ok(!sso.logs.join('').includes(code));
  });

  it('reads roles given as an object, skipping unknown roles; no roles claim gives roles undefined', async () => {
    for (const [account, roles] of [
      [
        'bob',
        [
          { organization: 'acme', role: 'owner' },
          { organization: 'initech', role: 'operator' },
        ],
      ],
      ['carol', undefined],
    ] as const) {
      const { location, state } = await startSignIn(sso.app);
      const finished = await callback(sso.app, await provider.authorize(location, account), state);
      assert.equal(finished.statusCode, 302, finished.body);
      assert.equal(finished.headers.location, '/', 'no return_to: the dashboard');
      assert.deepEqual(sso.signIns.at(-1)?.roles, roles, account);
      assert.equal(sso.signIns.at(-1)?.subject, account);
    }
  });

  it('refuses an account whose email is unverified or missing, with a 403 saying so', async () => {
    const before = sso.signIns.length;
    for (const account of ['unverified', 'noemail']) {
      const { location, state } = await startSignIn(sso.app);
      const refused = await callback(sso.app, await provider.authorize(location, account), state);
      assert.equal(refused.statusCode, 403, refused.body);
      const body = refused.json<{ code: number; message: string; data: unknown }>();
      assert.equal(body.code, 403);
      assert.match(body.message, account === 'unverified' ? /has not verified the email address/ : /gave no email address/);
      assert.match(body.message, /single sign-on needs a verified email address/);
      assert.match(cookieNamed(refused, 'muster_oidc_state') ?? '', /Max-Age=0/, 'state cleared on refusals too');
    }
    assert.equal(sso.signIns.length, before, 'completeSignIn never called');
  });

  it('refuses a missing, tampered, foreign or expired state cookie with 400', async () => {
    const before = sso.signIns.length;
    const first = await startSignIn(sso.app);
    const returned = await provider.authorize(first.location, 'ana');

    const missing = await callback(sso.app, returned, undefined);
    assert.equal(missing.statusCode, 400);
    assert.match(missing.json<{ message: string }>().message, /expired or was not started in this browser/);

    const flipped = first.state.slice(0, -3) + (first.state.at(-3) === 'A' ? 'B' : 'A') + first.state.slice(-2);
    for (const tampered of [flipped, 'v1.00000000.x.y.z', 'garbage']) {
      const response = await callback(sso.app, returned, tampered);
      assert.equal(response.statusCode, 400, tampered);
    }

    // Another sign-in's cookie (an attacker's answer delivered into this browser): states differ.
    const second = await startSignIn(sso.app);
    const crossed = await callback(sso.app, returned, second.state);
    assert.equal(crossed.statusCode, 400);
    assert.match(crossed.json<{ message: string }>().message, /does not belong to the sign-in started in this browser/);

    // A cookie older than its 10 minutes (kept by a browser that ignored Max-Age).
    const late = await startSignIn(sso.app);
    const lateAnswer = await provider.authorize(late.location, 'ana');
    sso.clock.advanceMinutes(11);
    const expired = await callback(sso.app, lateAnswer, late.state);
    assert.equal(expired.statusCode, 400);
    assert.equal(sso.signIns.length, before);

    // The untouched cookie still works for its own answer (when not expired): the refusals above were for cause.
    sso.clock.set(new Date());
    const fresh = await startSignIn(sso.app);
    const accepted = await callback(sso.app, await provider.authorize(fresh.location, 'ana'), fresh.state);
    assert.equal(accepted.statusCode, 302, accepted.body);
  });

  it('answers 401 when the person refuses at the provider', async () => {
    const { location, state } = await startSignIn(sso.app);
    const returned = await provider.authorize(location, 'ana', { deny: true });
    assert.equal(returned.searchParams.get('error'), 'access_denied');
    const refused = await callback(sso.app, returned, state);
    assert.equal(refused.statusCode, 401, refused.body);
    assert.equal(refused.json<{ message: string }>().message, 'the OpenID provider refused the sign-in (access_denied)');
  });

  it('does not follow a return_to that leaves the site', async () => {
    for (const target of [
      '//evil.example',
      '//evil.example/path',
      'https://evil.example/',
      '/\\evil.example',
      'evil.example',
      '/\r\nLocation: https://evil.example',
      'javascript:alert(1)',
    ]) {
      const { location, state } = await startSignIn(sso.app, `?return_to=${encodeURIComponent(target)}`);
      const finished = await callback(sso.app, await provider.authorize(location, 'carol'), state);
      assert.equal(finished.statusCode, 302, finished.body);
      assert.equal(finished.headers.location, '/', target);
    }
  });

  it('refuses to derive a redirect URL from a Host header that is not a host name', async () => {
    const response = await sso.app.inject({ method: 'GET', url: '/api/v1/session/oidc/start', headers: { host: 'evil.example/x?' } });
    assert.equal(response.statusCode, 400, response.body);
    assert.match(response.json<{ message: string }>().message, /Host header/);
  });

  it('lets completeSignIn answer itself', async () => {
    const refusing = await startSsoApp(oidcEnv(provider), async (identity, _request, reply) => {
      await reply.code(403).send({ code: 403, message: `${identity.email} is disabled`, data: null });
    });
    try {
      const { location, state } = await startSignIn(refusing.app);
      const answer = await callback(refusing.app, await provider.authorize(location, 'ana'), state);
      assert.equal(answer.statusCode, 403);
      assert.equal(answer.json<{ message: string }>().message, 'ana@example.com is disabled');
    } finally {
      await refusing.app.close();
    }
  });

  it('derives the callback under BASE_PATH, or uses OIDC_REDIRECT_URL (then the cookie is Secure for an https one)', async () => {
    const based = await startSsoApp(oidcEnv(provider, { BASE_PATH: '/collect' }));
    const fixed = await startSsoApp(oidcEnv(provider, { OIDC_REDIRECT_URL: 'https://muster.example.com/api/v1/session/oidc/callback' }));
    try {
      const info = await based.app.inject({ method: 'GET', url: '/collect/api/v1/session/oidc' });
      assert.equal(info.json<{ start_url: string }>().start_url, '/collect/api/v1/session/oidc/start');
      const { response, location, state } = await startSignIn(based.app, '', '/collect/api/v1/session/oidc/start');
      assert.equal(new URL(location).searchParams.get('redirect_uri'), `http://${HOST}/collect/api/v1/session/oidc/callback`);
      assert.match(cookieNamed(response, 'muster_oidc_state')!, /; Path=\/collect\/api\/v1\/session\/oidc\/callback;/);
      const finished = await callback(based.app, await provider.authorize(location, 'carol'), state);
      assert.equal(finished.statusCode, 302, finished.body);
      assert.equal(finished.headers.location, '/collect/');

      const elsewhere = await startSignIn(fixed.app);
      assert.equal(new URL(elsewhere.location).searchParams.get('redirect_uri'), 'https://muster.example.com/api/v1/session/oidc/callback');
      assert.match(cookieNamed(elsewhere.response, 'muster_oidc_state')!, /; HttpOnly; SameSite=Lax; Secure$/);
      const returned = await provider.authorize(elsewhere.location, 'carol');
      assert.equal(`${returned.origin}${returned.pathname}`, 'https://muster.example.com/api/v1/session/oidc/callback');
      const answer = await callback(fixed.app, returned, elsewhere.state);
      assert.equal(answer.statusCode, 302, answer.body);
      assert.equal(fixed.signIns.at(-1)?.subject, 'carol');
    } finally {
      await based.app.close();
      await fixed.app.close();
    }
  });
});

describe('single sign-on while the provider is down', () => {
  it('answers 503 without contacting it before the first sign-in, and retries discovery once it is up', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const sso = await startSsoApp(oidcEnv({ issuer }));
    let provider: TestOpenIdProvider | undefined;
    try {
      const info = await sso.app.inject({ method: 'GET', url: '/api/v1/session/oidc' });
      assert.equal(info.statusCode, 200, 'nothing but the sign-in itself needs the provider');
      const down = await sso.app.inject({ method: 'GET', url: '/api/v1/session/oidc/start', headers: { host: HOST } });
      assert.equal(down.statusCode, 503, down.body);
      assert.equal(down.headers['retry-after'], '10');
      assert.match(down.json<{ message: string }>().message, /the OpenID provider's discovery document could not be read \(ECONNREFUSED\); try again shortly/);
      assert.match(sso.logs.join(''), /"level":40,.*"reason":"ECONNREFUSED".*OpenID provider discovery failed/, 'the operator is told');

      provider = await startTestOpenIdProvider({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [CALLBACK], accounts: ACCOUNTS, port });
      const { location, state } = await startSignIn(sso.app);
      const returned = await provider.authorize(location, 'carol');

      // Down again between the redirect there and the way back: the code exchange cannot happen.
      await provider.close();
      provider = undefined;
      const unreachable = await callback(sso.app, returned, state);
      assert.equal(unreachable.statusCode, 503, unreachable.body);
      assert.match(unreachable.json<{ message: string }>().message, /could not be reached/);
      assert.equal(sso.signIns.length, 0);
      assert.ok(!sso.logs.join('').includes(returned.searchParams.get('code')!));
    } finally {
      await provider?.close();
      await sso.app.close();
    }
  });
});

describe('single sign-on not configured', () => {
  it('says so, and its routes answer 404 naming the setting', async () => {
    const sso = await startSsoApp({});
    try {
      const info = await sso.app.inject({ method: 'GET', url: '/api/v1/session/oidc' });
      assert.deepEqual(info.json(), { enabled: false, start_url: null });
      for (const path of ['start', 'callback?code=x&state=y']) {
        const response = await sso.app.inject({ method: 'GET', url: `/api/v1/session/oidc/${path}` });
        assert.equal(response.statusCode, 404);
        assert.match(response.json<{ message: string }>().message, /OIDC_ISSUER_URL is unset/);
      }
    } finally {
      await sso.app.close();
    }
  });
});
