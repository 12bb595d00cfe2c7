import { createUseRecorder } from '../../db/use-recorder.ts';
import { isChange } from '../../http/access-control.ts';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../clock/clock.ts';
import type { Db } from '../../db/db.ts';
import { createInvalidatedCache } from '../../db/invalidated-cache.ts';
import type { Principal } from '../../domain/access.ts';
import { ForbiddenError, UnauthorizedError } from '../../errors/errors.ts';
import type { CookieAuthenticator } from '../../http/authentication.ts';
import type { UserAccessReader } from '../accounts/index.ts';
import { assertSameOrigin } from './same-origin.ts';
import { csrfTokenMatches, hashSessionToken, isSessionToken, SESSION_COOKIE } from './session-token.ts';
import type { SessionsStore } from './sessions-store.ts';

export const SESSION_INVALIDATION_CHANNEL = 'muster_session_revoked';
/** A session's last_seen_at is written at most this often, by any node. */
export const LAST_SEEN_INTERVAL_SECONDS = 60;

/** A verified session as this node knows it; `lastSeenAt` moves forward as it is used here. */
interface CachedSession {
  id: string;
  userId: string;
  expiresAt: Date;
  lastSeenAt: Date;
}

export interface SessionAuthenticatorOptions {
  db: Db;
  clock: Clock;
  store: SessionsStore;
  access: UserAccessReader;
  idleTimeoutMinutes: number;
  cacheTtlSeconds: number;
  cacheSize: number;
  /** Where a failed write of last_seen_at goes; it never fails the request. */
  onTouchError: (error: unknown) => void;
}

export interface SessionAuthenticator extends CookieAuthenticator {
  invalidate(sessionId: string): void;
  /** Subscribes to revocations from every node; call once at start-up. */
  listen(): Promise<void>;
}

/**
 * The dashboard's session cookie. A verified session is cached under the cookie's SHA-256 (what
 * the table stores), so a request costs one hash and one lookup; a revocation drops it on every
 * node (NOTIFY on SESSION_INVALIDATION_CHANNEL). The user's roles and state come from the
 * accounts feature's cached reader. Mutations must come from the dashboard's own origin and carry
 * the session's CSRF token.
 */
export function createSessionAuthenticator(options: SessionAuthenticatorOptions): SessionAuthenticator {
  const { store, clock } = options;
  const idleMs = options.idleTimeoutMinutes * 60_000;
  const cache = createInvalidatedCache<CachedSession>({ size: options.cacheSize, ttlSeconds: options.cacheTtlSeconds, ownerOf: (session) => session.id });
  // Written without holding up the request; a failure is logged, never the request's.
  const recordUse = createUseRecorder({
    clock,
    intervalSeconds: LAST_SEEN_INTERVAL_SECONDS,
    maxTracked: options.cacheSize,
    isCached: cache.has,
    write: (sessionId, at, interval) => store.touch(sessionId, at, interval),
    onError: options.onTouchError,
  });
  const ended = () => new UnauthorizedError('your session has ended (signed out, expired or revoked): sign in again');

  function load(tokenHash: string, fresh = false): Promise<CachedSession> {
    return cache.getOrRead(
      tokenHash,
      async () => {
        const credentials = await store.findCredentials(tokenHash);
        if (!credentials || credentials.revokedAt !== null) return null;
        return { id: credentials.id, userId: credentials.userId, expiresAt: credentials.expiresAt, lastSeenAt: credentials.lastSeenAt };
      },
      ended,
      { fresh },
    );
  }

  async function verify(token: string): Promise<CachedSession> {
    if (!isSessionToken(token)) throw ended();
    const tokenHash = hashSessionToken(token);
    const now = clock.now();
    let session = await load(tokenHash);
    if (now >= session.expiresAt) throw ended();
    // This node's view of the last use may be older than another node's: ask the database before refusing.
    if (now.getTime() - session.lastSeenAt.getTime() > idleMs) {
      session = await load(tokenHash, true);
      if (now.getTime() - session.lastSeenAt.getTime() > idleMs) throw ended();
    }
    if (now.getTime() - session.lastSeenAt.getTime() >= LAST_SEEN_INTERVAL_SECONDS * 1000) {
      session.lastSeenAt = now;
      recordUse(session.id);
    }
    return session;
  }

  return {
    name: SESSION_COOKIE,

    async authenticate(token: string, request: FastifyRequest): Promise<Principal> {
      const session = await verify(token);
      const principal = await options.access.principalOf(session.userId, { kind: 'session', id: session.id });
      if (!principal) throw ended();
      if (isChange(request.method)) {
        assertSameOrigin(request, true);
        if (!csrfTokenMatches(token, headerValue(request.headers['x-csrf-token']))) {
          throw new ForbiddenError('CSRF check failed: a change made with the session cookie must send the X-CSRF-Token header the session answer gave');
        }
      }
      return principal;
    },

    invalidate: cache.invalidate,

    listen: () => cache.listen(options.db, SESSION_INVALIDATION_CHANNEL),
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}
