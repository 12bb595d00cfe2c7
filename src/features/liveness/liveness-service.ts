import type { Clock } from '../../clock/clock.ts';
import type { Db, Sql } from '../../db/db.ts';
import type { Page, PageRequest } from '../../http/pagination.ts';
import type { Thresholds } from '../organizations/index.ts';
import type { SystemsService } from '../systems/index.ts';
import type { Heartbeat, LivenessEvent, LivenessStore, PeerHeartbeat, UnalertedEvent } from './liveness-store.ts';

export interface LivenessServiceDeps {
  db: Db;
  store: LivenessStore;
  clock: Clock;
  defaults: Thresholds;
  systems: Pick<SystemsService, 'get'>;
}

export interface LivenessService {
  /** Stores a batch of heartbeats (one per system); answers the ids of the systems it left out (gone, suspended or never registered). */
  recordHeartbeats(beats: readonly Heartbeat[]): Promise<Set<string>>;
  /** A system's liveness transitions; NotFoundError for an unknown system. */
  listEvents(systemId: string, page: PageRequest, order: 'asc' | 'desc'): Promise<Page<LivenessEvent>>;
  /**
   * Deadlines already stored were computed with the global thresholds of the process that
   * stored them. When this start brings different ones (HEARTBEAT_* changed), the systems that
   * inherit them are woken so the scanner re-evaluates them; otherwise nothing is touched.
   * Answers whether the stored thresholds changed.
   */
  applyGlobalThresholds(): Promise<boolean>;
  /** Locks up to `limit` transitions not yet alerted on, oldest first (skipping those another node holds). */
  claimUnalerted(tx: Sql, limit: number): Promise<UnalertedEvent[]>;
  /** Marks transitions handled by the alerts, in the transaction that claimed them. */
  markAlerted(tx: Sql, ids: readonly number[]): Promise<void>;
  /** The id of each system's latest transition (a notification of an older one is stale). */
  latestTransitionIds(systemIds: readonly string[]): Promise<Map<string, number>>;
  /** The last heartbeat of each live component a dialect created, by its external id (unknown ones left out). */
  peerHeartbeats(organizationId: string, source: string, externalIds: readonly string[]): Promise<Map<string, PeerHeartbeat>>;
}

export function createLivenessService(deps: LivenessServiceDeps): LivenessService {
  const { db, store, clock, defaults } = deps;
  return {
    recordHeartbeats: (beats) => store.recordHeartbeats(beats),
    claimUnalerted: (tx, limit) => store.claimUnalerted(tx, limit),
    markAlerted: (tx, ids) => store.markAlerted(tx, ids),
    latestTransitionIds: (systemIds) => store.latestEventIds(systemIds),
    peerHeartbeats: (organizationId, source, externalIds) => store.peerHeartbeats(organizationId, source, externalIds),

    async listEvents(systemId, page, order) {
      await deps.systems.get(systemId);
      return store.listEvents(systemId, page, order);
    },

    applyGlobalThresholds() {
      return db.transaction(async (tx) => {
        const now = clock.now();
        const stored = await store.lockGlobalThresholds(tx);
        if (stored && stored.timeoutSeconds === defaults.timeoutSeconds && stored.warningSeconds === defaults.warningSeconds) return false;
        await store.saveGlobalThresholds(tx, defaults, now);
        if (stored) await store.wakeInheritingSystems(tx, now);
        return stored !== undefined;
      });
    },
  };
}
