import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Db } from '../../db/db.ts';
import type { UserAccessReader } from '../accounts/index.ts';
import { createPersonalTokenAuthenticator } from './personal-token-authenticator.ts';
import { personalTokensRoutes } from './personal-tokens-routes.ts';
import { createPersonalTokensService } from './personal-tokens-service.ts';
import { createPersonalTokensStore } from './personal-tokens-store.ts';

export interface PersonalTokensDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  users: UserAccessReader;
}

// Revocations reach every node by notification; the lifetime bounds what a lost notification link could keep.
const CACHE_TTL_SECONDS = 600;
const CACHE_SIZE = 100_000;

/** Users' personal API tokens: `/api/v1/tokens`, and their verifier on the management API. */
export function createPersonalTokens(deps: PersonalTokensDeps) {
  const { db, clock } = deps;
  const store = createPersonalTokensStore(db);
  const authenticator = createPersonalTokenAuthenticator({
    db,
    clock,
    store,
    users: deps.users,
    cacheSize: CACHE_SIZE,
    cacheTtlSeconds: CACHE_TTL_SECONDS,
    onTouchError: (error) => deps.logger.warn({ err: error }, 'could not record a personal token use'),
  });
  const service = createPersonalTokensService({ db, clock, store, invalidate: authenticator.invalidate });
  return {
    service,
    bearer: authenticator.bearer,
    mount: {
      managementRoutes: [personalTokensRoutes(service)],
      start: () => authenticator.listen(),
    } satisfies FeatureMount,
  };
}

export type PersonalTokens = ReturnType<typeof createPersonalTokens>;
