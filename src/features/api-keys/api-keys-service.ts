import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock/clock.ts';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/database-errors.ts';
import { notify, type Db } from '../../db/db.ts';
import { NotFoundError } from '../../errors/errors.ts';
import type { Page } from '../../http/pagination.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import { API_KEY_INVALIDATION_CHANNEL } from './api-key-authenticator.ts';
import { generateApiKey, hashApiKey } from './api-key-format.ts';
import type { ApiKey, ApiKeyFilter, ApiKeysStore } from './api-keys-store.ts';
import type { Scope } from './scopes.ts';

export interface ApiKeysServiceDeps {
  db: Db;
  clock: Clock;
  store: ApiKeysStore;
  organizations: Pick<OrganizationsService, 'find'>;
  /** Drops a revoked key from this node's cache without waiting for the notification to come back. */
  invalidate: (keyId: string) => void;
}

export interface ApiKeysService {
  /** Creates a key; `key` is the only time the whole key is known to anyone but its holder. */
  create(organizationId: string, input: { name: string; scopes: Scope[] }): Promise<{ apiKey: ApiKey; key: string }>;
  list(organizationId: string, filter: ApiKeyFilter): Promise<Page<ApiKey>>;
  /** Revokes the key on every node at once. */
  revoke(organizationId: string, keyId: string): Promise<void>;
}

// A public id is 8 of 36 characters (41 bits): a collision is rare enough that a few retries settle it.
const CREATE_ATTEMPTS = 3;

export function createApiKeysService(deps: ApiKeysServiceDeps): ApiKeysService {
  const { db, clock, store } = deps;
  const organizationNotFound = (organizationId: string) => new NotFoundError(`organization ${organizationId} not found`);

  async function assertOrganization(organizationId: string): Promise<void> {
    if (!(await deps.organizations.find(organizationId))) throw organizationNotFound(organizationId);
  }

  return {
    async create(organizationId: string, input: { name: string; scopes: Scope[] }) {
      await assertOrganization(organizationId);
      const scopes = [...new Set(input.scopes)];
      for (let attempt = 1; ; attempt++) {
        const { key, publicId } = generateApiKey();
        try {
          const apiKey = await store.insert({
            id: randomUUID(),
            organizationId,
            name: input.name,
            scopes,
            publicId,
            keyHash: hashApiKey(key),
            createdAt: clock.now(),
          });
          return { apiKey, key };
        } catch (error) {
          if (isForeignKeyViolation(error)) throw organizationNotFound(organizationId);
          if (!isUniqueViolation(error) || attempt >= CREATE_ATTEMPTS) throw error;
        }
      }
    },

    async list(organizationId: string, filter: ApiKeyFilter): Promise<Page<ApiKey>> {
      await assertOrganization(organizationId);
      return store.list(organizationId, filter);
    },

    async revoke(organizationId: string, keyId: string): Promise<void> {
      await assertOrganization(organizationId);
      await db.transaction(async (tx) => {
        if (!(await store.revoke(tx, organizationId, keyId, clock.now()))) throw new NotFoundError(`API key ${keyId} not found`);
        await notify(tx, API_KEY_INVALIDATION_CHANNEL, keyId);
      });
      deps.invalidate(keyId);
    },
  };
}
