import type { Clock } from '../../clock/clock.ts';
import type { Db } from '../../db/db.ts';
import { createInvalidatedCache } from '../../db/invalidated-cache.ts';
import { createUseRecorder } from '../../db/use-recorder.ts';
import { ForbiddenError, UnauthorizedError } from '../../errors/errors.ts';
import { hashApiKey, parseApiKey, sameApiKeyDigest } from './api-key-format.ts';
import type { ApiKeysStore } from './api-keys-store.ts';
import type { Scope } from './scopes.ts';

export interface AuthenticatedApiKey {
  keyId: string;
  organizationId: string;
  scopes: readonly Scope[];
}

export const API_KEY_INVALIDATION_CHANNEL = 'muster_api_key_auth';
const CHALLENGE = 'Bearer realm="Organization API Key"';
/** A key's last_used_at is written at most this often, by any node. */
export const LAST_USED_INTERVAL_SECONDS = 60;

export interface ApiKeyAuthenticatorOptions {
  db: Db;
  clock: Clock;
  store: ApiKeysStore;
  cacheTtlSeconds: number;
  cacheSize: number;
  /** Where a failed write of last_used_at goes; it never fails the request. */
  onTouchError: (error: unknown) => void;
}

export interface ApiKeyAuthenticator {
  /**
   * Verifies an `Authorization: Bearer <key>` header, or the key itself, and that the key has
   * `requiredScope`; throws a 401 with a Bearer challenge, a 403 for a missing scope, or a 503
   * when the database is down.
   */
  authenticate(authorizationOrKey: string | undefined, requiredScope: Scope): Promise<AuthenticatedApiKey>;
  /** Verifies a key whatever its scopes (the management API decides what they allow): throws a 401 or a 503. */
  identify(key: string): Promise<AuthenticatedApiKey>;
  invalidate(keyId: string): void;
  /** Subscribes to revocations from every node; call once at start-up. */
  listen(): Promise<void>;
}

/**
 * Organization API keys for machines. A verified key is cached under its SHA-256, which is
 * also what the table stores, so a repeated key costs one hash and one lookup; a revocation
 * drops it on every node (NOTIFY on API_KEY_INVALIDATION_CHANNEL), and the whole cache goes
 * when the notification link was lost.
 */
export function createApiKeyAuthenticator(options: ApiKeyAuthenticatorOptions): ApiKeyAuthenticator {
  const { store, clock } = options;
  const cache = createInvalidatedCache<AuthenticatedApiKey>({ size: options.cacheSize, ttlSeconds: options.cacheTtlSeconds, ownerOf: (key) => key.keyId });
  const touch = createUseRecorder({
    clock,
    intervalSeconds: LAST_USED_INTERVAL_SECONDS,
    maxTracked: options.cacheSize,
    isCached: cache.has,
    write: (keyId, now, interval) => store.touch(keyId, now, interval),
    onError: options.onTouchError,
  });

  function invalid(): UnauthorizedError {
    return new UnauthorizedError('invalid API key', `${CHALLENGE}, error="invalid_token"`);
  }

  async function verify(key: string): Promise<AuthenticatedApiKey> {
    const publicId = parseApiKey(key);
    if (publicId === undefined) throw invalid();
    const keyHash = hashApiKey(key);
    return cache.getOrRead(
      keyHash,
      async () => {
        const credentials = await store.findCredentials(publicId);
        if (!credentials || credentials.revokedAt !== null || !sameApiKeyDigest(keyHash, credentials.keyHash)) return null;
        return { keyId: credentials.id, organizationId: credentials.organizationId, scopes: Object.freeze([...credentials.scopes]) };
      },
      invalid,
    );
  }

  return {
    async authenticate(authorizationOrKey: string | undefined, requiredScope: Scope): Promise<AuthenticatedApiKey> {
      const key = authorizationOrKey === undefined ? undefined : bearerToken(authorizationOrKey);
      if (!key) throw new UnauthorizedError('authentication required', CHALLENGE);
      const verified = await verify(key);
      if (!verified.scopes.includes(requiredScope)) throw new ForbiddenError(`API key lacks the scope ${requiredScope}`);
      touch(verified.keyId);
      return verified;
    },

    async identify(key: string): Promise<AuthenticatedApiKey> {
      const verified = await verify(key);
      touch(verified.keyId);
      return verified;
    },

    invalidate: cache.invalidate,

    listen: () => cache.listen(options.db, API_KEY_INVALIDATION_CHANNEL),
  };
}

/** The token of `Bearer <token>` (scheme in any case), or the string itself when it names no scheme. */
function bearerToken(value: string): string | undefined {
  const fields = value.trim().split(/\s+/);
  if (fields.length === 1) return fields[0] || undefined;
  return fields.length === 2 && fields[0]!.toLowerCase() === 'bearer' ? fields[1] : undefined;
}
