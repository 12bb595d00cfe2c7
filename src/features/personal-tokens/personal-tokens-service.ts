import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock/clock.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/database-errors.ts';
import { notify, type Db } from '../../db/db.ts';
import { BadRequestError, NotFoundError } from '../../errors/errors.ts';
import type { Page } from '../../http/pagination.ts';
import { personalTokenFormat } from './personal-token-format.ts';
import type { PersonalToken, PersonalTokenFilter, PersonalTokensStore } from './personal-tokens-store.ts';

export const PERSONAL_TOKEN_INVALIDATION_CHANNEL = 'muster_personal_token_auth';

export interface PersonalTokensServiceDeps {
  db: Db;
  clock: Clock;
  store: PersonalTokensStore;
  /** Drops a revoked token from this node's cache at once (the others hear the notification). */
  invalidate: (tokenId: string) => void;
}

export interface PersonalTokensService {
  /** A new token of the user; `token` is its only appearance. */
  create(userId: string, input: { name: string; expiresAt?: Date | undefined }): Promise<{ personalToken: PersonalToken; token: string }>;
  list(userId: string, filter: PersonalTokenFilter): Promise<Page<PersonalToken>>;
  /** Revokes one of the user's tokens on every node at once. */
  revoke(userId: string, tokenId: string): Promise<void>;
}

// A public id is 8 of 36 characters (41 bits): a collision is rare enough that a few retries settle it.
const CREATE_ATTEMPTS = 3;

export function createPersonalTokensService(deps: PersonalTokensServiceDeps): PersonalTokensService {
  const { db, clock, store } = deps;
  return {
    async create(userId, input) {
      const now = clock.now();
      if (input.expiresAt && input.expiresAt <= now) {
        throw new BadRequestError('expires_at must be in the future', { errors: [{ field: 'expires_at', message: 'must be in the future' }] });
      }
      for (let attempt = 1; ; attempt++) {
        const { token, publicId } = personalTokenFormat.generate();
        try {
          const personalToken = await db.transaction((tx) =>
            store.insert(tx, {
              id: randomUUID(),
              userId,
              name: input.name,
              publicId,
              tokenHash: personalTokenFormat.hash(token),
              createdAt: now,
              expiresAt: input.expiresAt ?? null,
            }),
          );
          return { personalToken, token };
        } catch (error) {
          if (isForeignKeyViolation(error)) throw new NotFoundError(`user ${userId} not found`);
          if (!isUniqueViolation(error) || attempt >= CREATE_ATTEMPTS) throw error;
        }
      }
    },

    list: (userId, filter) => store.list(userId, filter),

    async revoke(userId, tokenId) {
      await db.transaction(async (tx) => {
        if (!(await store.revoke(tx, userId, tokenId, clock.now()))) throw new NotFoundError(`token ${tokenId} not found`);
        await notify(tx, PERSONAL_TOKEN_INVALIDATION_CHANNEL, tokenId);
      });
      deps.invalidate(tokenId);
    },
  };
}
