import type { Clock } from '../../clock/clock.ts';
import type { Db } from '../../db/db.ts';
import type { Logger } from 'pino';
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
  logger: Logger;
}

/**
 * Statistics are refreshed once creations since the last refresh reach this share of the
 * organization's peer systems (and at least ANALYZE_AFTER_MIN of them), as autovacuum's analyze
 * threshold would, but at once: a fleet pointed at Muster creates thousands of systems a second,
 * and until the planner knows the tables grew it plans every heartbeat batch for tables of a
 * few rows (whole-table scans; measured: 20–360 ms per batch at 50,000 systems instead of ~1 ms).
 */
const ANALYZE_AFTER_SHARE = 0.2;
const ANALYZE_AFTER_MIN = 500;

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
  // Components waiting, by group; a group's next batch gathers while its current one settles, so
  // under a burst of new components each transaction creates many of them, not a few.
  const pending = new Map<string, PendingGroup>();
  const settling = new Set<string>();
  let scheduled = false;
  let createdSinceAnalyze = 0;
  let analyzing = false;

  function noteCreated(count: number, total: number): void {
    createdSinceAnalyze += count;
    if (analyzing || createdSinceAnalyze < Math.max(ANALYZE_AFTER_MIN, ANALYZE_AFTER_SHARE * total)) return;
    analyzing = true;
    createdSinceAnalyze = 0;
    store
      .analyze(db)
      .catch((error: unknown) => options.logger.warn({ err: error }, 'refreshing statistics after creating peer systems failed'))
      .finally(() => {
        analyzing = false;
      });
  }

  function remember(key: string, id: string): void {
    if (known.size >= options.cacheSize) known.delete(known.keys().next().value!);
    known.set(key, id);
  }

  async function settle(group: PendingGroup): Promise<Map<string, PeerSystem>> {
    const externalIds = [...group.waiters.keys()];
    // Most components asked for are known to the database (another node made them, or this node forgot them).
    const found = await store.findLive(db, group.organizationId, group.source, externalIds);
    const missing = externalIds.filter((externalId) => !found.has(externalId));
    if (missing.length === 0) return found;
    const outcome = await db.transaction(async (tx) => {
      // One creator per organization at a time, on every node: the limit holds and no component gets two systems.
      if (!(await store.lockOrganization(tx, group.organizationId))) throw new NotFoundError(`organization ${group.organizationId} not found`);
      const again = await store.findLive(tx, group.organizationId, group.source, missing);
      for (const [externalId, system] of again) found.set(externalId, system);
      const toCreate = missing.filter((externalId) => !again.has(externalId));
      const live = await store.countLive(tx, group.organizationId, group.source);
      const room = Math.max(0, options.maxPerOrganization - live);
      const creating = toCreate.slice(0, room).map((externalId) => ({ externalId, systemKey: generateSystemKey(options.systemKeyPrefix) }));
      const inserted = await store.insert(tx, group.organizationId, group.source, group.type, creating, options.clock.now());
      for (const [externalId, system] of inserted) found.set(externalId, system);
      return { found, created: inserted.size, live: live + inserted.size };
    });
    if (outcome.created > 0) noteCreated(outcome.created, outcome.live);
    return outcome.found;
  }

  function answer(group: PendingGroup, found: Map<string, PeerSystem>): void {
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
  }

  async function run(groupKey: string, group: PendingGroup): Promise<void> {
    settling.add(groupKey);
    try {
      answer(group, await settle(group));
    } catch (error) {
      for (const waiters of group.waiters.values()) for (const waiter of waiters) waiter.reject(error);
    } finally {
      settling.delete(groupKey);
      if (pending.has(groupKey)) schedule();
    }
  }

  function flush(): void {
    scheduled = false;
    for (const [groupKey, group] of pending) {
      if (settling.has(groupKey)) continue;
      pending.delete(groupKey);
      void run(groupKey, group);
    }
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
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
      schedule();
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },

    forget(component) {
      known.delete(keyOf(component.organizationId, component.source, component.externalId));
    },

    findLive: (organizationId, source, externalIds) => store.findLive(db, organizationId, source, externalIds),
  };
}
