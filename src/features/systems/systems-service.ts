import type { Clock } from '../../clock/clock.ts';
import { notify, tryAdvisoryXactLock, type Db, type Sql } from '../../db/db.ts';
import { AppError, BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../errors/errors.ts';
import type { Page } from '../../http/pagination.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import { createBulkChanges, type BulkChange, type BulkOutcome } from './systems-bulk.ts';
import { AUTH_INVALIDATION_CHANNEL, type SystemAuthenticator } from './system-authenticator.ts';
import { generateSystemKey, generateSystemSecret, parseSystemSecret, verifySystemSecret } from './system-credentials.ts';
import type { System, SystemCountsByStatus, SystemCredentials, SystemFilter, SystemsStore } from './systems-store.ts';

export interface SystemsServiceDeps {
  db: Db;
  store: SystemsStore;
  organizations: Pick<OrganizationsService, 'find' | 'findDefault'>;
  authenticator: SystemAuthenticator;
  clock: Clock;
  systemKeyPrefix: string;
  /** Runs in the registering transaction (the registration event). */
  onRegistered: (tx: Sql, systemId: string, at: Date) => Promise<void>;
  /** Runs in the destroying transaction, before the rows go (to schedule removal of stored objects). */
  onDestroy: (tx: Sql, systemId: string) => Promise<void>;
  /** Runs in the transaction that suspends or deletes a system (culling too): it is no longer watched. */
  onSetAside?: (tx: Sql, systemId: string, at: Date) => Promise<void>;
}

export interface CreateSystemInput {
  name: string;
  organizationId?: string | undefined;
  type?: string | undefined;
  labels?: Record<string, string> | undefined;
}

export interface SystemWithSecret {
  system: System;
  /** Shown once: only a salted hash of its secret part is kept. */
  secret: string;
}

export interface SystemsService {
  get(id: string, runner?: Sql): Promise<System>;
  /** The organization of a system (deleted or not), or undefined when there is no such system. */
  organizationOf(id: string): Promise<string | undefined>;
  /** Systems by liveness status (suspended and deleted ones apart), in one organization or all. */
  countByStatus(organizationIds?: readonly string[]): Promise<SystemCountsByStatus>;
  /** Systems that are not deleted, per type, the most common first. */
  countByType(organizationIds?: readonly string[]): Promise<{ type: string; count: number }[]>;
  /** Systems that are not deleted, per type (null: none) and version (null: none reported yet). */
  countByVersion(organizationIds?: readonly string[]): Promise<{ type: string | null; version: string | null; count: number }[]>;
  /** Systems that are not deleted, per Muster agent version (null: no agent seen), the most common first. */
  countByAgentVersion(organizationIds?: readonly string[]): Promise<{ version: string | null; count: number }[]>;
  list(filter: SystemFilter): Promise<Page<System>>;
  countLabels(organizationIds: readonly string[] | undefined, limit: number): Promise<{ key: string; value: string; count: number }[]>;
  create(input: CreateSystemInput): Promise<SystemWithSecret>;
  update(id: string, change: { name?: string | undefined; labels?: Record<string, string> | undefined }): Promise<System>;
  regenerateSecret(id: string): Promise<SystemWithSecret>;
  suspend(id: string): Promise<System>;
  reactivate(id: string): Promise<System>;
  delete(id: string): Promise<System>;
  /** Suspends, reactivates, deletes or labels many systems at once (those of `organizationIds` only, when given). */
  bulk(change: BulkChange, organizationIds: readonly string[] | undefined): Promise<BulkOutcome[]>;
  /**
   * Soft-deletes (restorably) up to `limit` live systems of the organization whose last check-in
   * is at or before `cutoff`, revoking their credentials; answers how many, or null when another
   * node is doing it now (one at a time per cluster).
   */
  deleteSilentSince(organizationId: string, cutoff: Date, limit: number): Promise<number | null>;
  restore(id: string): Promise<System>;
  /** Purges a soft-deleted system and everything recorded about it. */
  destroy(id: string): Promise<void>;
  /** The appliance's first call: proves it holds the secret and receives its system key. */
  register(systemSecret: string): Promise<{ systemKey: string; registeredAt: Date }>;
}

export function createSystemsService(deps: SystemsServiceDeps): SystemsService {
  const { db, store, clock } = deps;

  async function get(id: string, runner?: Sql): Promise<System> {
    const system = await store.findById(id, runner);
    if (!system) throw new NotFoundError(`system ${id} not found`);
    return system;
  }

  /**
   * Runs a state change on a locked system row, then tells every node to forget cached
   * credentials of the system (delivered when the transaction commits; dropped here at once).
   */
  async function changeLocked(
    id: string,
    change: (tx: Sql, current: SystemCredentials, now: Date) => Promise<void>,
    options: { revokeCredentials: boolean },
  ): Promise<System> {
    let systemKey = '';
    const system = await db.transaction(async (tx) => {
      const current = await store.lockById(tx, id);
      if (!current) throw new NotFoundError(`system ${id} not found`);
      systemKey = current.systemKey;
      await change(tx, current, clock.now());
      if (options.revokeCredentials) await notify(tx, AUTH_INVALIDATION_CHANNEL, systemKey);
      return get(id, tx);
    });
    if (options.revokeCredentials) deps.authenticator.invalidate(systemKey);
    return system;
  }

  function rejectIfDeleted(current: { deletedAt: Date | null }, action: string): void {
    if (current.deletedAt) throw new ConflictError(`cannot ${action} a deleted system; restore it first`);
  }

  return {
    get,
    bulk: createBulkChanges(deps),
    organizationOf: async (id) => (await store.findById(id))?.organizationId,

    countByStatus: (organizationIds) => store.countByStatus(organizationIds),

    countByType: (organizationIds) => store.countByType(organizationIds),

    countByVersion: (organizationIds) => store.countByVersion(organizationIds),

    countByAgentVersion: (organizationIds) => store.countByAgentVersion(organizationIds),

    countLabels: (organizationIds, limit) => store.countLabels(organizationIds, limit),

    list(filter: SystemFilter): Promise<Page<System>> {
      return store.list(filter);
    },

    async create(input: CreateSystemInput): Promise<SystemWithSecret> {
      const organization = input.organizationId ? await deps.organizations.find(input.organizationId) : await deps.organizations.findDefault();
      if (!organization) {
        throw new BadRequestError(`organization ${input.organizationId ?? '(default)'} not found`, {
          errors: [{ field: 'organization_id', message: 'does not exist' }],
        });
      }
      const secret = generateSystemSecret();
      const id = await db.transaction((tx) =>
        store.insert(
          tx,
          {
            organizationId: organization.id,
            name: input.name,
            type: input.type ?? null,
            labels: input.labels ?? {},
            systemKey: generateSystemKey(deps.systemKeyPrefix),
            secretPublic: secret.publicPart,
            secretSalt: secret.salt,
            secretHash: secret.hash,
          },
          clock.now(),
        ),
      );
      return { system: await get(id), secret: secret.secret };
    },

    update(id: string, change: { name?: string | undefined; labels?: Record<string, string> | undefined }): Promise<System> {
      return changeLocked(
        id,
        async (tx, current, now) => {
          rejectIfDeleted(current, 'update');
          await store.update(tx, id, change, now);
        },
        { revokeCredentials: false },
      );
    },

    async regenerateSecret(id: string): Promise<SystemWithSecret> {
      const secret = generateSystemSecret();
      const system = await changeLocked(
        id,
        async (tx, current, now) => {
          rejectIfDeleted(current, 'regenerate the secret of');
          await store.setSecret(tx, id, { secretPublic: secret.publicPart, secretSalt: secret.salt, secretHash: secret.hash }, now);
        },
        { revokeCredentials: true },
      );
      return { system, secret: secret.secret };
    },

    suspend(id: string): Promise<System> {
      return changeLocked(
        id,
        async (tx, current, now) => {
          rejectIfDeleted(current, 'suspend');
          if (!current.suspendedAt) {
            await store.setLifecycle(tx, id, 'suspended_at', now, now);
            await deps.onSetAside?.(tx, id, now);
          }
        },
        { revokeCredentials: true },
      );
    },

    reactivate(id: string): Promise<System> {
      return changeLocked(
        id,
        async (tx, current, now) => {
          rejectIfDeleted(current, 'reactivate');
          if (current.suspendedAt) await store.setLifecycle(tx, id, 'suspended_at', null, now);
        },
        { revokeCredentials: false },
      );
    },

    delete(id: string): Promise<System> {
      return changeLocked(
        id,
        async (tx, current, now) => {
          if (!current.deletedAt) {
            await store.setLifecycle(tx, id, 'deleted_at', now, now);
            await deps.onSetAside?.(tx, id, now);
          }
        },
        { revokeCredentials: true },
      );
    },

    async deleteSilentSince(organizationId: string, cutoff: Date, limit: number): Promise<number | null> {
      const keys = await db.transaction(async (tx) => {
        if (!(await tryAdvisoryXactLock(tx, 'systems-delete-silent'))) return null;
        const now = clock.now();
        const deleted = await store.deleteSilent(tx, organizationId, cutoff, limit, now);
        for (const { id, systemKey } of deleted) {
          await notify(tx, AUTH_INVALIDATION_CHANNEL, systemKey);
          await deps.onSetAside?.(tx, id, now);
        }
        return deleted.map((system) => system.systemKey);
      });
      for (const key of keys ?? []) deps.authenticator.invalidate(key);
      return keys === null ? null : keys.length;
    },

    restore(id: string): Promise<System> {
      return changeLocked(
        id,
        async (tx, current, now) => {
          if (current.deletedAt) await store.setLifecycle(tx, id, 'deleted_at', null, now);
        },
        { revokeCredentials: false },
      );
    },

    async destroy(id: string): Promise<void> {
      let systemKey = '';
      await db.transaction(async (tx) => {
        const current = await store.lockById(tx, id);
        if (!current) throw new NotFoundError(`system ${id} not found`);
        if (!current.deletedAt) throw new ConflictError('only a deleted system can be destroyed; delete it first');
        systemKey = current.systemKey;
        await deps.onDestroy(tx, id);
        await store.destroy(tx, id);
        await notify(tx, AUTH_INVALIDATION_CHANNEL, systemKey);
      });
      deps.authenticator.invalidate(systemKey);
    },

    async register(systemSecret: string): Promise<{ systemKey: string; registeredAt: Date }> {
      const parsed = parseSystemSecret(systemSecret);
      if (!parsed) throw new AppError(400, 'invalid system secret format');
      return db.transaction(async (tx) => {
        const credentials = await store.findCredentialsBySecretPublic(tx, parsed.publicPart);
        // The secret is verified before anything about the system is revealed (against a decoy when
        // no system has this public part, so the time taken does not reveal that either).
        const verified = verifySystemSecret(parsed, credentials);
        if (!verified || !credentials) throw new AppError(401, 'invalid system secret');
        if (credentials.deletedAt) throw new ForbiddenError('system has been deleted');
        if (credentials.registeredAt) throw new ConflictError('system is already registered');
        const registeredAt = clock.now();
        await store.setLifecycle(tx, credentials.id, 'registered_at', registeredAt, registeredAt);
        await deps.onRegistered(tx, credentials.id, registeredAt);
        return { systemKey: credentials.systemKey, registeredAt };
      });
    },
  };
}
