import type { Clock } from '../../clock/clock.ts';
import type { Db } from '../../db/db.ts';
import { createInvalidatedCache } from '../../db/invalidated-cache.ts';
import { createUseRecorder } from '../../db/use-recorder.ts';
import type { Principal } from '../../domain/access.ts';
import { UnauthorizedError } from '../../errors/errors.ts';
import type { BearerAuthenticator } from '../../http/authentication.ts';
import { MANAGEMENT_CHALLENGE } from '../../http/authentication.ts';
import type { UserAccessReader } from '../accounts/index.ts';
import { personalTokenFormat } from './personal-token-format.ts';
import { PERSONAL_TOKEN_INVALIDATION_CHANNEL } from './personal-tokens-service.ts';
import type { PersonalTokensStore } from './personal-tokens-store.ts';

interface VerifiedToken {
  tokenId: string;
  userId: string;
  expiresAt: Date | null;
}

/** A token's last_used_at is written at most this often, by any node. */
export const LAST_USED_INTERVAL_SECONDS = 60;

export interface PersonalTokenAuthenticatorOptions {
  db: Db;
  clock: Clock;
  store: PersonalTokensStore;
  users: UserAccessReader;
  cacheSize: number;
  cacheTtlSeconds: number;
  onTouchError: (error: unknown) => void;
}

/**
 * Personal tokens on the management API: a verified token is cached under its SHA-256 (what the
 * table stores) and dropped on every node when revoked; the owner's roles come from the users'
 * access cache, so a role taken away counts at once too. A disabled owner's tokens stop working.
 */
export function createPersonalTokenAuthenticator(options: PersonalTokenAuthenticatorOptions) {
  const { clock, store } = options;
  const cache = createInvalidatedCache<VerifiedToken>({ size: options.cacheSize, ttlSeconds: options.cacheTtlSeconds, ownerOf: (token) => token.tokenId });
  const touch = createUseRecorder({
    clock,
    intervalSeconds: LAST_USED_INTERVAL_SECONDS,
    maxTracked: options.cacheSize,
    isCached: cache.has,
    write: (tokenId, now, interval) => store.touch(tokenId, now, interval),
    onError: options.onTouchError,
  });
  const invalid = () => new UnauthorizedError('invalid token', `${MANAGEMENT_CHALLENGE}, error="invalid_token"`);

  async function verify(token: string): Promise<VerifiedToken> {
    const publicId = personalTokenFormat.parse(token);
    if (publicId === undefined) throw invalid();
    const tokenHash = personalTokenFormat.hash(token);
    return cache.getOrRead(
      tokenHash,
      async () => {
        const credentials = await store.findCredentials(publicId);
        if (!credentials || credentials.revokedAt !== null || !personalTokenFormat.sameDigest(tokenHash, credentials.tokenHash)) return null;
        return { tokenId: credentials.id, userId: credentials.userId, expiresAt: credentials.expiresAt };
      },
      invalid,
    );
  }

  const bearer: BearerAuthenticator = {
    prefix: personalTokenFormat.prefix,
    async authenticate(token: string): Promise<Principal> {
      const verified = await verify(token);
      if (verified.expiresAt !== null && verified.expiresAt <= clock.now()) {
        throw new UnauthorizedError('this token has expired', `${MANAGEMENT_CHALLENGE}, error="invalid_token"`);
      }
      const principal = await options.users.principalOf(verified.userId, { kind: 'token', id: verified.tokenId });
      if (!principal) throw invalid();
      touch(verified.tokenId);
      return principal;
    },
  };

  return {
    bearer,
    invalidate: cache.invalidate,
    listen: () => cache.listen(options.db, PERSONAL_TOKEN_INVALIDATION_CHANNEL),
  };
}
