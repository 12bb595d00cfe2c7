import { tryAdvisoryXactLock, type Db } from '../../db/db.ts';
import type { JobQueue, QueuedJob } from '../../queue/job-queue.ts';
import type { ForwardedTransition, LivenessStore } from './liveness-store.ts';

export interface TransitionRelayOptions<Context> {
  /** The dialect whose systems' transitions are relayed (systems.source). */
  source: string;
  /** The queue the jobs go to (defined by the dialect). */
  queue: string;
  /**
   * What the dialect needs to know of these organizations to shape their jobs, read before the
   * relay's transaction opens (an embedded database has one connection). An organization left
   * out of the answer keeps its transitions waiting for the next round.
   */
  prepare(organizationIds: readonly string[]): Promise<Map<string, Context>>;
  /** The jobs for one round's transitions (none: they are dropped, e.g. sending is off). */
  toJobs(transitions: readonly ForwardedTransition[], context: ReadonlyMap<string, Context>): QueuedJob[];
}

export interface TransitionRelayDeps {
  db: Db;
  store: LivenessStore;
  jobs: Pick<JobQueue, 'enqueueMany'>;
  /** Most transitions per round. */
  batchSize?: number;
}

export interface TransitionRelay {
  /** One round: answers how many transitions it handed on; ends after the current batch once `signal` is aborted. */
  runOnce(signal?: AbortSignal): Promise<number>;
}

/**
 * Hands the liveness transitions of a dialect's systems to that dialect as durable jobs (the
 * heartbeat-daemon's state-manager notifications): the jobs are added in the transaction that
 * marks the transitions handed on, so each transition leads to its jobs exactly once, whichever
 * node runs the round, and none is lost to a crash. One node runs a round at a time (an advisory
 * lock), so a round sees every transition waiting and the dialect can group them.
 */
export function createTransitionRelay<Context>(deps: TransitionRelayDeps, options: TransitionRelayOptions<Context>): TransitionRelay {
  const batchSize = deps.batchSize ?? 10_000;
  return {
    async runOnce(signal) {
      const organizationIds = await deps.store.forwardPendingOrganizations(options.source);
      if (organizationIds.length === 0) return 0;
      const context = await options.prepare(organizationIds);
      const ready = organizationIds.filter((id) => context.has(id));
      if (ready.length === 0) return 0;
      let total = 0;
      for (;;) {
        const count = await deps.db.transaction(async (tx) => {
          if (!(await tryAdvisoryXactLock(tx, `transition-relay:${options.source}`))) return -1;
          const transitions = await deps.store.claimForwarded(tx, options.source, ready, batchSize);
          await deps.jobs.enqueueMany(tx, options.queue, options.toJobs(transitions, context));
          await deps.store.markForwarded(
            tx,
            transitions.map((transition) => transition.eventId),
          );
          return transitions.length;
        });
        if (count < 0) return total;
        total += count;
        if (count < batchSize || signal?.aborted) return total;
      }
    },
  };
}
