import { hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '../../db/db.ts';
import { createInvalidatedCache } from '../../db/invalidated-cache.ts';
import { ServiceUnavailableError, UnauthorizedError } from '../../errors/errors.ts';
import type { AgentVersionRecorder } from './agent-version-recorder.ts';
import { parseSystemSecret, verifySystemSecret } from './system-credentials.ts';
import type { SystemCredentials, SystemsStore } from './systems-store.ts';

export interface AuthenticatedSystem {
  readonly id: string;
  readonly organizationId: string;
  readonly systemKey: string;
  /**
   * The Muster agent version this node knows is stored for the system (null: none): read with the
   * credentials, then moved by the agent-version recorder alone when it stores another.
   */
  agentVersion: string | null;
}

export const AUTH_INVALIDATION_CHANNEL = 'muster_system_auth';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const WWW_AUTHENTICATE = 'Basic realm="System Authentication"';

/** The 401 every failed appliance authentication answers with. */
export function invalidCredentialsError(): UnauthorizedError {
  return new UnauthorizedError('invalid system credentials', WWW_AUTHENTICATE);
}

export interface SystemAuthenticatorOptions {
  db: Db;
  store: SystemsStore;
  systemKeyPrefix: string;
  cacheTtlSeconds: number;
  cacheSize: number;
  /** The secret check (verifySystemSecret); replaceable so a test can see it run for every failure. */
  verifySecret?: typeof verifySystemSecret;
  /** Shortest time a failure after the database lookup takes to answer (default FAILURE_FLOOR_MS). */
  failureFloorMs?: number;
  /** Records the agent versions authenticated requests name; none recorded without it. */
  agentVersions?: AgentVersionRecorder;
}

/**
 * A failed authentication that reached the database is answered no sooner than this after it
 * began. Looking up an existing system costs the database a little more than an unknown key (on
 * PGlite about 16 µs: fetching and converting the row), which a patient client could measure to
 * tell which keys exist; waiting until a fixed moment far beyond that hides it (and slows
 * guessing), while valid credentials are never delayed.
 */
export const FAILURE_FLOOR_MS = 5;

export interface SystemAuthenticator {
  /**
   * The system these exact credentials were verified for a moment ago, or undefined: then call
   * authenticate(). Synchronous, so the hot path needs no promise.
   */
  cached(authorization: string | undefined): AuthenticatedSystem | undefined;
  /** Verifies an `Authorization` header; throws a 401 (or 503 when the database is down). */
  authenticate(authorization: string | undefined): Promise<AuthenticatedSystem>;
  invalidate(systemKey: string): void;
  /** Records the Muster agent version an authenticated request's User-Agent names, if it is new to this node (never waits, never throws). */
  noteUserAgent(system: AuthenticatedSystem, userAgent: string | undefined): void;
  /** Subscribes to invalidations from every node; call once at start-up. */
  listen(): Promise<void>;
  /** How many verified credentials are cached now. */
  readonly cachedEntries: number;
}

/**
 * HTTP Basic authentication of appliances (`system_key:system_secret`), with the messages the
 * appliance API is known for. A successful verification is cached under the SHA-256 of the
 * whole `Authorization` header, so a request repeating exactly that header is admitted with one
 * hash and one lookup, without decoding or re-verifying anything; any other header (another
 * secret, another spelling) is checked against the database. A system key has at most one cached
 * header; the entry is dropped on every node at secret regeneration, suspension and deletion
 * (NOTIFY on AUTH_INVALIDATION_CHANNEL), and the whole cache when the notification link was lost.
 */
export function createSystemAuthenticator(options: SystemAuthenticatorOptions): SystemAuthenticator {
  const verifySecret = options.verifySecret ?? verifySystemSecret;
  const keyPattern = new RegExp(`^${options.systemKeyPrefix}(-[A-F0-9]{4}){8}$`);
  const cache = createInvalidatedCache<AuthenticatedSystem>({
    size: options.cacheSize,
    ttlSeconds: options.cacheTtlSeconds,
    ownerOf: (system) => system.systemKey,
  });

  /** The digest a header is cached under; a digest reveals nothing of the secret, so looking it up needs no constant-time comparison. */
  function headerDigest(authorization: string): string {
    return hash('sha256', authorization, 'base64');
  }

  const failureFloorMs = options.failureFloorMs ?? FAILURE_FLOOR_MS;

  /** verifyAgainstDatabase, its 401s answered no sooner than the failure floor. */
  async function verify(authorization: string, systemKey: string, secret: string): Promise<AuthenticatedSystem> {
    // Malformed keys and secrets never reach the database: nothing there to hide.
    if (!keyPattern.test(systemKey)) throw invalidCredentialsError();
    const parsed = parseSystemSecret(secret);
    if (!parsed) throw invalidCredentialsError();
    const started = performance.now();
    try {
      return await verifyAgainstDatabase(authorization, systemKey, parsed);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        const left = failureFloorMs - (performance.now() - started);
        if (left > 0) await sleep(Math.ceil(left));
      }
      throw error;
    }
  }

  async function verifyAgainstDatabase(
    authorization: string,
    systemKey: string,
    parsed: NonNullable<ReturnType<typeof parseSystemSecret>>,
  ): Promise<AuthenticatedSystem> {
    const readGeneration = cache.generation;
    let credentials: SystemCredentials | null;
    try {
      credentials = await options.store.findCredentialsByKey(systemKey);
    } catch {
      throw new ServiceUnavailableError('authentication temporarily unavailable');
    }
    // The secret is verified whatever the outcome (against a decoy for an unknown key), so that a
    // wrong secret for an existing key costs what an unknown key costs.
    const verified = verifySecret(parsed, credentials);
    if (!verified || !credentials || credentials.registeredAt === null || credentials.suspendedAt !== null || credentials.deletedAt !== null) {
      throw invalidCredentialsError();
    }

    const system: AuthenticatedSystem = {
      id: credentials.id,
      organizationId: credentials.organizationId,
      systemKey: credentials.systemKey,
      agentVersion: credentials.agentVersion,
    };
    cache.fill(headerDigest(authorization), system, readGeneration);
    return system;
  }

  return {
    cached(authorization: string | undefined): AuthenticatedSystem | undefined {
      return authorization ? cache.get(headerDigest(authorization)) : undefined;
    },

    authenticate(authorization: string | undefined): Promise<AuthenticatedSystem> {
      if (!authorization) return Promise.reject(new UnauthorizedError('authentication required', WWW_AUTHENTICATE));
      const hit = cache.get(headerDigest(authorization));
      if (hit) return Promise.resolve(hit);
      const token = basicToken(authorization);
      if (token === undefined) return Promise.reject(new UnauthorizedError('invalid authentication format', WWW_AUTHENTICATE));
      // Standard base64 with padding, as the appliance API has always required.
      if (token.length % 4 !== 0 || !BASE64.test(token)) {
        return Promise.reject(new UnauthorizedError('invalid authentication encoding', WWW_AUTHENTICATE));
      }
      const decoded = Buffer.from(token, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return Promise.reject(new UnauthorizedError('invalid credentials format', WWW_AUTHENTICATE));
      return verify(authorization, decoded.slice(0, colon), decoded.slice(colon + 1));
    },

    invalidate: cache.invalidate,

    noteUserAgent(system: AuthenticatedSystem, userAgent: string | undefined): void {
      options.agentVersions?.note(system, userAgent);
    },

    listen: () => cache.listen(options.db, AUTH_INVALIDATION_CHANNEL),

    get cachedEntries(): number {
      return cache.size;
    },
  };
}
/** The token of `Basic <token>` (scheme in any case, any whitespace); undefined when the header is not that. */
function basicToken(authorization: string): string | undefined {
  // What every client sends, checked without a regular expression.
  if (authorization.startsWith('Basic ') && authorization.indexOf(' ', 6) < 0) return authorization.slice(6) || undefined;
  const fields = authorization.trim().split(/\s+/);
  return fields.length === 2 && fields[0]!.toLowerCase() === 'basic' ? fields[1] : undefined;
}
