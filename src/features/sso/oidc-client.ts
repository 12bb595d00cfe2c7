import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { OidcSettings } from '../../config/config.ts';

/** The provider could not be reached or answered with no usable document: retry later. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

/** What the authorization request commits to, checked again when the provider answers. */
export interface AuthorizationChecks {
  redirectUrl: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcClient {
  /** The provider's authorization endpoint with this sign-in's parameters (PKCE S256, state, nonce). */
  authorizationUrl(checks: AuthorizationChecks): Promise<URL>;
  /**
   * Validates the provider's answer at the callback (state, issuer, PKCE through the code
   * exchange, the ID token's signature, audience and nonce) and returns the verified claims: the
   * ID token's, completed by the userinfo endpoint's.
   */
  claimsFromCallback(query: URLSearchParams, checks: AuthorizationChecks): Promise<Record<string, unknown>>;
}

const REQUEST_TIMEOUT_SECONDS = 10;

/**
 * openid-client bound to one provider. Discovery happens on first use, not at start: Muster
 * starts, and serves everything else, while the provider is down; a failed discovery is not
 * kept, so the next sign-in tries again.
 */
export function createOidcClient(settings: OidcSettings, logger: Logger): OidcClient {
  const issuer = new URL(settings.issuerUrl);
  let discovered: Promise<client.Configuration> | undefined;

  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(issuer, settings.clientId, undefined, client.ClientSecretBasic(settings.clientSecret), {
        // openid-client refuses plain HTTP unless told; an http:// issuer is the operator's choice (a
        // provider on loopback or a private network), made by writing it in OIDC_ISSUER_URL.
        execute: issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
        timeout: REQUEST_TIMEOUT_SECONDS,
      })
      .then((found) => {
        found.timeout = REQUEST_TIMEOUT_SECONDS;
        return found;
      })
      .catch((error: unknown) => {
        discovered = undefined;
        const reason = describeFailure(error);
        // For the operator: a wrong OIDC_ISSUER_URL looks like this too (an issuer that does not match).
        logger.warn({ issuer: settings.issuerUrl, reason }, 'OpenID provider discovery failed; sign-ins answer 503 until it succeeds');
        throw new ProviderUnavailableError(`the OpenID provider's discovery document could not be read (${reason})`, { cause: error });
      });
    return discovered;
  }

  return {
    async authorizationUrl(checks) {
      const config = await configuration();
      return client.buildAuthorizationUrl(config, {
        redirect_uri: checks.redirectUrl,
        scope: settings.scopes,
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
      });
    },

    async claimsFromCallback(query, checks) {
      const config = await configuration();
      const currentUrl = new URL(checks.redirectUrl);
      for (const [name, value] of query) currentUrl.searchParams.append(name, value);
      try {
        const tokens = await client.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        const idToken = tokens.claims();
        if (idToken === undefined) throw new Error('the provider returned no ID token');
        // Providers put email and profile claims in the ID token, in userinfo, or both.
        const userinfo = config.serverMetadata().userinfo_endpoint ? await client.fetchUserInfo(config, tokens.access_token, idToken.sub) : {};
        return { ...idToken, ...userinfo, iss: idToken.iss, sub: idToken.sub };
      } catch (error) {
        if (isUnreachable(error)) throw new ProviderUnavailableError(`the OpenID provider could not be reached (${describeFailure(error)})`, { cause: error });
        throw error;
      }
    },
  };
}

/** A failure to talk to the provider at all (as opposed to an answer saying no). */
function isUnreachable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  if (error instanceof TypeError && error.message === 'fetch failed') return true;
  // A gateway's error page instead of the provider's JSON.
  const code = (error as { code?: unknown }).code;
  return code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON';
}

/** Short and free of anything the provider or the request carried (codes, tokens). */
function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return 'unknown error';
  const cause = error.cause as { code?: unknown } | undefined;
  if (typeof cause?.code === 'string') return cause.code;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
