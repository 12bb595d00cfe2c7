import type { Clock } from '../../clock/clock.ts';
import type { Db } from '../../db/db.ts';
import { ForbiddenError, NotFoundError } from '../../errors/errors.ts';
import { generateSystemKey } from './system-credentials.ts';
import type { PeerSystem, PeerSystemsStore } from './peer-systems-store.ts';

export type { PeerSystem } from './peer-systems-store.ts';

export interface PeerSystemsOptions {
  db: Db;
  store: PeerSystemsStore;
  clock: Clock;
  systemKeyPrefix: string;
  /** Live systems one dialect may create in one organization (DIALECT_MAX_SYSTEMS_PER_ORGANIZATION). */
  maxPerOrganization: number;
  /** Components remembered (their system ids), so a known component's report costs no query. */
  cacheSize: number;
}

/** A component of a dialect's peer, in an organization. */
export interface PeerComponent {
  organizationId: string;
  source: string;
  externalId: string;
  /** The type a new system gets (`node`). */
  type: string;
}

export interface PeerSystems {
  /**
   * The live system of a component, created (registered, named by its external id) on its first
   * report. Components asked for together are looked up and created in one transaction per
   * organization. ForbiddenError when the organization holds its limit of such systems.
   */
  resolve(component: PeerComponent): Promise<PeerSystem>;
  /** Forgets what this node remembers of a component (its system was deleted or suspended meanwhile). */
  forget(component: Omit<PeerComponent, 'type'>): void;
  /** The live systems of these components, without creating any. */
  findLive(organizationId: string, source: string, externalIds: readonly string[]): Promise<Map<string, PeerSystem>>;
}

interface Waiter {
  resolve: (system: PeerSystem) => void;
  reject: (error: unknown) => void;
}

interface PendingGroup {
  organizationId: string;
  source: string;
  type: string;
  waiters: Map<string, Waiter[]>;
}

const keyOf = (organizationId: string, source: string, externalId: string) => `${organizationId}\u0000${source}\u0000${externalId}`;

export function createPeerSystems(options: PeerSystemsOptions): PeerSystems {
  const { db, store } = options;
  // Only systems that accept reports are remembered; a suspended one is looked up each time.
  const known = new Map<string, string>();
  let pending = new Map<string, PendingGroup>();
  let scheduled = false;

  function remember(key: string, id: string): void {
    if (known.size >= options.cacheSize) known.delete(known.keys().next().value!);
    known.set(key, id);
  }

  async function settle(group: PendingGroup): Promise<Map<string, PeerSystem>> {
    const externalIds = [...group.waiters.keys()];
    return db.transaction(async (tx) => {
      const found = await store.findLive(tx, group.organizationId, group.source, externalIds);
      const missing = externalIds.filter((externalId) => !found.has(externalId));
      if (missing.length === 0) return found;
      // One creator per organization at a time, on every node: the limit holds and no component gets two systems.
      if (!(await store.lockOrganization(tx, group.organizationId))) throw new NotFoundError(`organization ${group.organizationId} not found`);
      const again = await store.findLive(tx, group.organizationId, group.source, missing);
      for (const [externalId, system] of again) found.set(externalId, system);
      const toCreate = missing.filter((externalId) => !again.has(externalId));
      const room = Math.max(0, options.maxPerOrganization - (await store.countLive(tx, group.organizationId, group.source)));
      const created = toCreate.slice(0, room).map((externalId) => ({ externalId, systemKey: generateSystemKey(options.systemKeyPrefix) }));
      const inserted = await store.insert(tx, group.organizationId, group.source, group.type, created, options.clock.now());
      for (const [externalId, system] of inserted) found.set(externalId, system);
      return found;
    });
  }

  async function flush(): Promise<void> {
    scheduled = false;
    const groups = pending;
    pending = new Map();
    await Promise.all(
      [...groups.values()].map(async (group) => {
        try {
          const found = await settle(group);
          for (const [externalId, waiters] of group.waiters) {
            const system = found.get(externalId);
            if (system) {
              if (!system.suspended) remember(keyOf(group.organizationId, group.source, externalId), system.id);
              for (const waiter of waiters) waiter.resolve(system);
            } else {
              const error = new ForbiddenError(
                `this organization already holds ${options.maxPerOrganization} systems created by ${group.source} (DIALECT_MAX_SYSTEMS_PER_ORGANIZATION); component ${externalId} is not tracked`,
              );
              for (const waiter of waiters) waiter.reject(error);
            }
          }
        } catch (error) {
          for (const waiters of group.waiters.values()) for (const waiter of waiters) waiter.reject(error);
        }
      }),
    );
  }

  return {
    resolve(component) {
      const key = keyOf(component.organizationId, component.source, component.externalId);
      const id = known.get(key);
      if (id !== undefined) return Promise.resolve({ id, suspended: false });
      const groupKey = `${component.organizationId}\u0000${component.source}\u0000${component.type}`;
      let group = pending.get(groupKey);
      if (!group) {
        group = { organizationId: component.organizationId, source: component.source, type: component.type, waiters: new Map() };
        pending.set(groupKey, group);
      }
      const waiters = group.waiters.get(component.externalId) ?? [];
      group.waiters.set(component.externalId, waiters);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },

    forget(component) {
      known.delete(keyOf(component.organizationId, component.source, component.externalId));
    },

    findLive: (organizationId, source, externalIds) => store.findLive(db, organizationId, source, externalIds),
  };
}
