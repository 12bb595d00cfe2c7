import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import type { UserAccessReader, UsersService } from '../accounts/index.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createSessionAuthenticator } from './session-authenticator.ts';
import { setSessionCookie, signInOrigin } from './session-cookie.ts';
import { sessionsRoutes } from './sessions-routes.ts';
import { createSessionsService } from './sessions-service.ts';
import { createSessionsStore } from './sessions-store.ts';
import { createSignInLimiter } from './sign-in-limiter.ts';

export interface SessionsDeps {
  db: Db;
  /**
   * The database itself, not audited: for the sign-in limiter's counters, which are bookkeeping
   * rather than the change a sign-in audits (the session).
   */
  database: Db;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'sessionIdleTimeoutMinutes' | 'sessionMaxAgeHours' | 'basePath'>;
  users: Pick<UsersService, 'verifyCredentials' | 'get'>;
  access: UserAccessReader;
}

// Revocations reach every node by notification; the TTL only bounds how long a session revoked
// while a node's notification link was down (and not yet re-established) could still pass.
const CACHE_TTL_SECONDS = 600;
const CACHE_SIZE = 100_000;

/** The dashboard's sign-in: sessions behind a cookie, the sign-in limiter, and the cookie's verifier. */
export function createSessions(deps: SessionsDeps) {
  const { db, clock, config } = deps;
  const store = createSessionsStore(db);
  const authenticator = createSessionAuthenticator({
    db,
    clock,
    store,
    access: deps.access,
    idleTimeoutMinutes: config.sessionIdleTimeoutMinutes,
    cacheTtlSeconds: CACHE_TTL_SECONDS,
    cacheSize: CACHE_SIZE,
    onTouchError: (error) => deps.logger.warn({ err: error }, 'could not record a session use'),
  });
  const service = createSessionsService({
    db,
    clock,
    store,
    limiter: createSignInLimiter(deps.database, clock),
    users: deps.users,
    access: deps.access,
    idleTimeoutMinutes: config.sessionIdleTimeoutMinutes,
    maxAgeHours: config.sessionMaxAgeHours,
    invalidate: (sessionId) => authenticator.invalidate(sessionId),
  });
  const cookie = { path: config.basePath || '/', maxAgeSeconds: config.sessionMaxAgeHours * 3600 };
  return {
    service,
    /** The management API's cookie authenticator (createAuthentication's `cookie`). */
    authenticator,
    /**
     * Opens a session for a user verified some other way (single sign-on's callback) and sets
     * its cookie on `reply`; the caller has matched or created the user and checked it may sign in.
     */
    async signInVerified(userId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const opened = await service.open(userId, signInOrigin(request));
      setSessionCookie(cookie, request, reply, opened.token);
    },
    mount: {
      managementRoutes: [sessionsRoutes(service, cookie)],
      start: () => authenticator.listen(),
      // Idempotent, so running on several schedulers at once does no harm.
      tasks: [{ name: 'ended-sessions-prune', intervalMs: 3_600_000, run: () => service.pruneEnded() }],
    } satisfies FeatureMount,
  };
}

export type Sessions = ReturnType<typeof createSessions>;
