import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import { START_PATH } from './sso-paths.ts';
import { ssoRoutes, type CompleteSignIn, type ProviderInfo } from './sso-routes.ts';

export interface SsoDeps {
  config: Pick<Config, 'oidc' | 'basePath'>;
  /** Seals the sign-in state the browser carries between start and callback. */
  secrets: SecretBox;
  clock: Clock;
  logger: Logger;
  /** Turns a verified identity into a signed-in person (user matched or created, session opened). */
  completeSignIn: CompleteSignIn;
}

/**
 * Single sign-on with OpenID Connect (authorization code, PKCE, state and nonce), when
 * OIDC_ISSUER_URL is set. It ends at a verified identity, handed to `completeSignIn`; users and
 * sessions are not its business. Nothing reaches the provider before the first sign-in, and
 * openid-client is loaded only when SSO is configured (about 8 MiB of an idle node otherwise).
 */
export async function createSso(deps: SsoDeps) {
  const settings = deps.config.oidc;
  const service = settings
    ? (await import('./sso-service.ts')).createSsoService({
        settings,
        basePath: deps.config.basePath,
        secrets: deps.secrets,
        clock: deps.clock,
        logger: deps.logger,
        client: (await import('./oidc-client.ts')).createOidcClient(settings, deps.logger),
      })
    : undefined;
  const info: ProviderInfo = Object.freeze({ enabled: service !== undefined, startUrl: service ? `${deps.config.basePath}${START_PATH}` : null });
  const providerInfo = (): ProviderInfo => info;
  return {
    enabled: info.enabled,
    providerInfo,
    mount: {
      // Public for now: moved under the /api/v1 scope (as routes it lets through without credentials) with sessions.
      managementRoutes: [ssoRoutes({ service, providerInfo, completeSignIn: deps.completeSignIn })],
    } satisfies FeatureMount,
  };
}

export type Sso = Awaited<ReturnType<typeof createSso>>;
