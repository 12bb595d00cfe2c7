import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Db } from '../../db/db.ts';
import type { BearerAuthenticator } from '../../http/authentication.ts';
import type { Logger } from 'pino';
import type { OrganizationsService } from '../organizations/index.ts';
import { createApiKeyAuthenticator } from './api-key-authenticator.ts';
import { API_KEY_PREFIX } from './api-key-format.ts';
import { apiKeysRoutes } from './api-keys-routes.ts';
import { createApiKeysService } from './api-keys-service.ts';
import { createApiKeysStore } from './api-keys-store.ts';

export interface ApiKeysDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  organizations: Pick<OrganizationsService, 'find'>;
}

// Revocations reach every node by notification; the TTL only bounds how long a key revoked
// while a node's notification link was down (and not yet re-established) could still pass.
const CACHE_TTL_SECONDS = 600;
const CACHE_SIZE = 100_000;

/** Organization API keys for machines: their management, and the verifier the dialects call. */
export function createApiKeys(deps: ApiKeysDeps) {
  const { db, clock } = deps;
  const store = createApiKeysStore(db);
  const authenticator = createApiKeyAuthenticator({
    db,
    clock,
    store,
    cacheTtlSeconds: CACHE_TTL_SECONDS,
    cacheSize: CACHE_SIZE,
    onTouchError: (error) => deps.logger.warn({ err: error }, 'could not record an API key use'),
  });
  const service = createApiKeysService({ db, clock, store, organizations: deps.organizations, invalidate: (keyId) => authenticator.invalidate(keyId) });
  /** API keys on the management API: a key with `systems:read` reads its organization's systems. */
  const bearer: BearerAuthenticator = {
    prefix: API_KEY_PREFIX,
    authenticate: async (token) => {
      const key = await authenticator.identify(token);
      return { kind: 'api-key', keyId: key.keyId, organizationId: key.organizationId, scopes: key.scopes };
    },
  };
  return {
    service,
    authenticator,
    bearer,
    mount: {
      managementRoutes: [apiKeysRoutes(service)],
      start: () => authenticator.listen(),
    } satisfies FeatureMount,
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
