import { hash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Db } from '../../db/db.ts';
import { ServiceUnavailableError, UnauthorizedError } from '../../errors/errors.ts';
import { parseSystemSecret, verifySystemSecret } from './system-credentials.ts';
import type { SystemCredentials, SystemsStore } from './systems-store.ts';

export interface AuthenticatedSystem {
  id: string;
  organizationId: string;
  systemKey: string;
}

export const AUTH_INVALIDATION_CHANNEL = 'muster_system_auth';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const WWW_AUTHENTICATE = { 'www-authenticate': 'Basic realm="System Authentication"' };

/** The 401 every failed appliance authentication answers with. */
export function invalidCredentialsError(): UnauthorizedError {
  return new UnauthorizedError('invalid system credentials', WWW_AUTHENTICATE);
}

interface CacheEntry {
  system: AuthenticatedSystem;
  /** SHA-256 of the full secret that was verified; a different secret is checked against the database. */
  secretDigest: Buffer;
}

export interface SystemAuthenticatorOptions {
  db: Db;
  store: SystemsStore;
  systemKeyPrefix: string;
  cacheTtlSeconds: number;
  cacheSize: number;
}

/**
 * HTTP Basic authentication of appliances (`system_key:system_secret`), with the messages the
 * appliance API is known for. Successful verifications are cached per system key and secret
 * digest; the entry is dropped on every node at secret regeneration, suspension and deletion
 * (NOTIFY on AUTH_INVALIDATION_CHANNEL), and the whole cache when the notification link was lost.
 */
export function createSystemAuthenticator(options: SystemAuthenticatorOptions) {
  const keyPattern = new RegExp(`^${options.systemKeyPrefix}(-[A-F0-9]{4}){8}$`);
  const ttlMs = options.cacheTtlSeconds * 1000;
  const cache =
    ttlMs > 0 && options.cacheSize > 0 ? new LRUCache<string, CacheEntry>({ max: options.cacheSize, ttl: ttlMs, ttlAutopurge: false }) : undefined;
  // Bumped by every invalidation: a database read that started before it must not refill the cache.
  let generation = 0;

  function invalidate(systemKey: string): void {
    generation++;
    cache?.delete(systemKey);
  }

  function invalidateAll(): void {
    generation++;
    cache?.clear();
  }

  async function verify(systemKey: string, secret: string): Promise<AuthenticatedSystem> {
    // The hot path: these exact credentials were verified a moment ago.
    const secretDigest = hash('sha256', secret, 'buffer');
    const cached = cache?.get(systemKey);
    if (cached && timingSafeEqual(cached.secretDigest, secretDigest)) return cached.system;

    // Malformed keys and secrets never reach the database.
    if (!keyPattern.test(systemKey)) throw invalidCredentialsError();
    const parsed = parseSystemSecret(secret);
    if (!parsed) throw invalidCredentialsError();

    const readGeneration = generation;
    let credentials: SystemCredentials | null;
    try {
      credentials = await options.store.findCredentialsByKey(systemKey);
    } catch {
      throw new ServiceUnavailableError('authentication temporarily unavailable');
    }
    if (!credentials || credentials.registeredAt === null || credentials.suspendedAt !== null || credentials.deletedAt !== null) {
      throw invalidCredentialsError();
    }
    if (!verifySystemSecret(parsed, credentials)) throw invalidCredentialsError();

    const system = { id: credentials.id, organizationId: credentials.organizationId, systemKey: credentials.systemKey };
    if (cache && readGeneration === generation) {
      // ±25 % jitter so entries filled together (after a restart) do not all expire together.
      cache.set(systemKey, { system, secretDigest }, { ttl: Math.round(ttlMs * (0.75 + Math.random() * 0.5)) });
    }
    return system;
  }

  return {
    /** Verifies an `Authorization` header; throws a 401 (or 503 when the database is down). */
    authenticate(authorization: string | undefined): Promise<AuthenticatedSystem> {
      if (!authorization) return Promise.reject(new UnauthorizedError('authentication required', WWW_AUTHENTICATE));
      const token = basicToken(authorization);
      if (token === undefined) return Promise.reject(new UnauthorizedError('invalid authentication format', WWW_AUTHENTICATE));
      // Standard base64 with padding, as the appliance API has always required.
      if (token.length % 4 !== 0 || !BASE64.test(token)) {
        return Promise.reject(new UnauthorizedError('invalid authentication encoding', WWW_AUTHENTICATE));
      }
      const decoded = Buffer.from(token, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return Promise.reject(new UnauthorizedError('invalid credentials format', WWW_AUTHENTICATE));
      return verify(decoded.slice(0, colon), decoded.slice(colon + 1));
    },

    invalidate,

    /** Subscribes to invalidations from every node; call once at start-up. */
    async listen(): Promise<void> {
      await options.db.listen(AUTH_INVALIDATION_CHANNEL, invalidate, invalidateAll);
    },

    get cachedEntries(): number {
      return cache?.size ?? 0;
    },
  };
}

export type SystemAuthenticator = ReturnType<typeof createSystemAuthenticator>;

/** The token of `Basic <token>` (scheme in any case, any whitespace); undefined when the header is not that. */
function basicToken(authorization: string): string | undefined {
  // What every client sends, checked without a regular expression.
  if (authorization.startsWith('Basic ') && authorization.indexOf(' ', 6) < 0) return authorization.slice(6) || undefined;
  const fields = authorization.trim().split(/\s+/);
  return fields.length === 2 && fields[0]!.toLowerCase() === 'basic' ? fields[1] : undefined;
}
