import * as client from 'openid-client';
import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { OidcSettings } from '../../config/config.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { BadRequestError, ForbiddenError, ServiceUnavailableError, UnauthorizedError } from '../../errors/errors.ts';
import { ProviderUnavailableError, type OidcClient } from './oidc-client.ts';
import { clearedStateCookie, openSignInState, safeReturnTo, sealSignInState, stateCookie, type StateCookieOptions } from './sign-in-state.ts';
import { identityFromClaims, UnusableClaimsError, type SsoIdentity } from './sso-identity.ts';

import { CALLBACK_PATH } from './sso-paths.ts';

export { CALLBACK_PATH, SSO_PATH, START_PATH } from './sso-paths.ts';

/** Where a request arrived, as the browser sees it: the default redirect URL is derived from it. */
export interface RequestOrigin {
  protocol: 'http' | 'https';
  /** `host[:port]`. */
  host: string;
}

export interface SsoServiceDeps {
  settings: OidcSettings;
  basePath: string;
  secrets: SecretBox;
  clock: Clock;
  logger: Logger;
  client: OidcClient;
}

const PROVIDER_DOWN_RETRY_AFTER_SECONDS = 10;
const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** One sign-in through the OpenID provider: its start (the redirect there) and its end (the callback). */
export function createSsoService(deps: SsoServiceDeps) {
  const { settings, secrets, clock } = deps;

  function redirectUrl(origin: RequestOrigin): string {
    if (settings.redirectUrl !== undefined) return settings.redirectUrl;
    // A forged Host gives a redirect URL the provider has not registered, which it refuses.
    if (!HOST.test(origin.host)) throw new BadRequestError('the Host header is not a host name (set OIDC_REDIRECT_URL to sign in without one)');
    return `${origin.protocol}://${origin.host}${deps.basePath}${CALLBACK_PATH}`;
  }

  function cookieOptions(origin: RequestOrigin, callbackUrl: string): StateCookieOptions {
    const callback = new URL(callbackUrl);
    // The cookie only travels to the callback; when that is on HTTPS, Secure costs nothing even if
    // this request reached Muster over plain HTTP from a TLS-terminating proxy.
    return { path: callback.pathname, secure: origin.protocol === 'https' || callback.protocol === 'https:' };
  }

  return {
    /** The provider's authorization URL to send the browser to, and the state cookie to set. */
    async start(origin: RequestOrigin, returnTo: unknown): Promise<{ location: string; cookie: string }> {
      const callbackUrl = redirectUrl(origin);
      const state = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
        returnTo: safeReturnTo(returnTo),
        redirectUrl: callbackUrl,
        startedAt: clock.now().getTime(),
      };
      const location = await unlessProviderDown(() => deps.client.authorizationUrl(state));
      return { location: location.href, cookie: stateCookie(sealSignInState(secrets, state), cookieOptions(origin, callbackUrl)) };
    },

    /** The verified identity from the provider's answer, and where to send the person afterwards. */
    async finish(sealedState: string | undefined, query: URLSearchParams): Promise<{ identity: SsoIdentity; returnTo: string }> {
      const state = sealedState === undefined ? undefined : openSignInState(secrets, sealedState, clock.now());
      if (state === undefined) throw new BadRequestError('this sign-in has expired or was not started in this browser; sign in again');
      if (query.get('state') !== state.state)
        throw new BadRequestError('the answer from the OpenID provider does not belong to the sign-in started in this browser; sign in again');
      const claims = await unlessProviderDown(() => deps.client.claimsFromCallback(query, state)).catch((error: unknown) => {
        throw refusal(error, deps.logger);
      });
      let identity: SsoIdentity;
      try {
        identity = identityFromClaims(claims, settings.rolesClaim);
      } catch (error) {
        if (error instanceof UnusableClaimsError) throw new ForbiddenError(`${error.message}; single sign-on needs a verified email address`);
        throw error;
      }
      return { identity, returnTo: state.returnTo ?? `${deps.basePath}/` };
    },

    /** The `Set-Cookie` clearing the state: sent with every answer of the callback, whatever its outcome. */
    clearCookie(origin: RequestOrigin): string {
      return clearedStateCookie(cookieOptions(origin, redirectUrl(origin)));
    },
  };
}

export type SsoService = ReturnType<typeof createSsoService>;

async function unlessProviderDown<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ProviderUnavailableError) throw new ServiceUnavailableError(`${error.message}; try again shortly`, PROVIDER_DOWN_RETRY_AFTER_SECONDS);
    throw error;
  }
}

/**
 * The answer to a sign-in the provider refused or whose proof did not hold. Only the OAuth error
 * code is kept, never the request's code or a token (error descriptions are the provider's free
 * text, reflected from the query: not repeated).
 */
function refusal(error: unknown, logger: Logger): Error {
  if (error instanceof ServiceUnavailableError) return error;
  if (error instanceof client.AuthorizationResponseError) {
    return new UnauthorizedError(`the OpenID provider refused the sign-in (${oauthCode(error.error)})`);
  }
  if (error instanceof client.ResponseBodyError) {
    logger.warn({ oauthError: oauthCode(error.error), status: error.status }, 'OpenID provider refused the authorization code');
    return new UnauthorizedError(`the OpenID provider did not accept the sign-in (${oauthCode(error.error)}); sign in again`);
  }
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  const reason = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
  // openid-client's messages are fixed texts (which check failed), not the values checked.
  logger.warn({ reason, message: error instanceof Error ? error.message : undefined }, 'OpenID sign-in could not be verified');
  return new UnauthorizedError('the answer from the OpenID provider could not be verified; sign in again');
}

function oauthCode(value: unknown): string {
  return typeof value === 'string' && /^[\w.-]{1,64}$/.test(value) ? value : 'unknown error';
}
