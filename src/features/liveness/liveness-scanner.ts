import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import { tryAdvisoryXactLock, type Db } from '../../db/db.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { effectiveThresholds, type Thresholds } from '../organizations/index.ts';
import { evaluateLiveness } from './liveness-rules.ts';
import type { LivenessStore, LivenessUpdate } from './liveness-store.ts';

export interface LivenessScannerDeps {
  db: Db;
  store: LivenessStore;
  clock: Clock;
  defaults: Thresholds;
  logger: Logger;
  metrics: Metrics;
  batchSize?: number;
}

export interface LivenessScanner {
  /**
   * Processes every system due at the clock's current time, batch by batch; once `signal` is
   * aborted (the node stops) it ends after the current batch and leaves the rest to the next scan.
   */
  runOnce: (signal?: AbortSignal) => Promise<number>;
}

/**
 * Finds the systems whose next deadline has passed (through the partial index on
 * next_check_at, so the cost follows the number of due systems, not the fleet size), moves
 * them to their new status and records each transition. Only one node scans at a time: the
 * scan runs under a transaction-scoped advisory lock, and rows are claimed with SKIP LOCKED.
 */
export function createLivenessScanner(deps: LivenessScannerDeps): LivenessScanner {
  const batchSize = deps.batchSize ?? 1000;

  /** One batch; returns how many systems it looked at, or -1 when another node holds the lock. */
  async function scanBatch(): Promise<number> {
    const now = deps.clock.now();
    return deps.db.transaction(async (tx) => {
      if (!(await tryAdvisoryXactLock(tx, 'liveness-scan'))) return -1;
      const due = await deps.store.claimDue(tx, now, batchSize);
      const updates: LivenessUpdate[] = due.map((system) => {
        const thresholds = effectiveThresholds(system, deps.defaults);
        const evaluation = evaluateLiveness(system.status, system.lastHeartbeat, thresholds, now);
        return { systemId: system.systemId, organizationId: system.organizationId, ...evaluation };
      });
      await deps.store.applyUpdates(tx, updates, now);
      for (const update of updates) {
        for (const transition of update.transitions) deps.metrics.livenessTransitions.inc({ to: transition.to });
      }
      return due.length;
    });
  }

  async function runOnce(signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (;;) {
      const count = await scanBatch();
      if (count < 0) return total;
      total += count;
      if (count < batchSize || signal?.aborted) return total;
    }
  }

  return { runOnce };
}
