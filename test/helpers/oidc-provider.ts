import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from './free-port.ts';

/** An account at the test provider: its claims, as the provider releases them for the scopes granted. */
export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
  /** Any other claims (the roles claim), released with the `profile` scope. */
  [claim: string]: unknown;
}

export interface TestOpenIdProviderOptions {
  clientId: string;
  clientSecret: string;
  /** The Muster callback registered for the client. */
  redirectUris: string[];
  /** Claims released with the profile scope besides `name` (e.g. the roles claim). */
  profileClaims?: string[];
  accounts: Record<string, TestAccount>;
  /** A port to listen on (default: a free one), e.g. to start a provider where one was down. */
  port?: number;
}

export interface TestOpenIdProvider {
  /** `http://127.0.0.1:<port>`: OIDC_ISSUER_URL. */
  issuer: string;
  /**
   * Plays the browser at the provider: follows the authorization URL, signs in `account` (or
   * refuses, with `deny`) and consents, and returns the URL the provider sends the browser back
   * to (the client's redirect URI with `code`, `state` and `iss`, or `error`).
   */
  authorize(authorizationUrl: string, account: string, options?: { deny?: boolean }): Promise<URL>;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (panva's oidc-provider, the certified implementation) on a loopback
 * port: discovery, JWKS, authorization with PKCE required, token and userinfo endpoints, one
 * confidential client. Its interaction (login and consent pages) is replaced by one route,
 * `/interaction/<uid>?account=<id>`, that signs in the named account and grants what was asked:
 * tests sign in without HTML forms.
 */
export async function startTestOpenIdProvider(options: TestOpenIdProviderOptions): Promise<TestOpenIdProvider> {
  const port = options.port ?? (await freePort());
  const issuer = `http://127.0.0.1:${port}`;
  const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const configuration: Configuration = {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [{ ...signingKey, kid: 'test-signing-key', alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['oidc-provider test cookie key'] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', ...(options.profileClaims ?? [])] },
    findAccount: (_context, accountId) => {
      const account = options.accounts[accountId];
      if (!account) return undefined;
      return { accountId, claims: () => ({ sub: accountId, ...account }) };
    },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_context, interaction) => `/interaction/${interaction.uid}` },
  };
  const provider = new Provider(issuer, configuration);
  // The provider's own error pages print to the console; a test reads the redirects instead.
  provider.on('server_error', () => {});
  const handle = provider.callback();

  async function interaction(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', issuer);
    const details = await provider.interactionDetails(request, response);
    if (url.searchParams.has('deny')) {
      await provider.interactionFinished(
        request,
        response,
        { error: 'access_denied', error_description: 'the person refused' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const accountId = url.searchParams.get('account') ?? '';
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(request, response, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith('/interaction/')) {
      interaction(request, response).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    } else {
      void handle(request, response);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    issuer,
    async authorize(authorizationUrl, account, authorizeOptions = {}) {
      const jar = new Map<string, string>();
      let url = new URL(authorizationUrl);
      // authorization → interaction → resume → back to the client: each a redirect at the provider.
      for (let hop = 0; hop < 10; hop++) {
        if (url.origin !== issuer) return url;
        if (url.pathname.startsWith('/interaction/')) {
          if (authorizeOptions.deny) url.searchParams.set('deny', '1');
          else url.searchParams.set('account', account);
        }
        const response = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') } });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair = ''] = cookie.split(';');
          const equals = pair.indexOf('=');
          const name = pair.slice(0, equals);
          const value = pair.slice(equals + 1);
          if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(cookie)) jar.delete(name);
          else jar.set(name, value);
        }
        const location = response.headers.get('location');
        if (location === null) throw new Error(`the provider answered ${response.status} at ${url.pathname}: ${await response.text()}`);
        url = new URL(location, url);
      }
      throw new Error('too many redirects at the provider');
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
