import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import type { Organizations, Thresholds } from '../organizations/index.ts';
import type { SystemsService } from '../systems/index.ts';
import { livenessRoutes } from './liveness-routes.ts';
import { createLivenessScanner } from './liveness-scanner.ts';
import { createLivenessService } from './liveness-service.ts';
import { createLivenessStore } from './liveness-store.ts';
import { createTransitionRelay, type TransitionRelay, type TransitionRelayOptions } from './transition-relay.ts';

export interface LivenessDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  jobs: Pick<JobQueue, 'enqueueMany'>;
  config: Pick<Config, 'livenessScanIntervalMs'>;
  /** The global heartbeat thresholds (HEARTBEAT_*_MINUTES). */
  defaults: Thresholds;
  organizations: Pick<Organizations, 'onThresholdsChanged'>;
  systems: Pick<SystemsService, 'get'>;
}

/**
 * The liveness engine: heartbeats stored, deadlines kept per system, and the scanner that moves
 * systems whose deadline passed to warning or inactive, recording each transition.
 */
export function createLiveness(deps: LivenessDeps) {
  const { db, clock, defaults } = deps;
  const store = createLivenessStore(db);
  const service = createLivenessService({ db, store, clock, defaults, systems: deps.systems });
  const scanner = createLivenessScanner({ db, store, clock, defaults, logger: deps.logger, metrics: deps.metrics });
  // Deadlines were computed with the old thresholds: let the scanner re-evaluate them now.
  deps.organizations.onThresholdsChanged((tx, organizationId, at) => store.wakeOrganization(tx, organizationId, at));

  return {
    service,
    scanner,
    /**
     * A relay handing the transitions of the systems a dialect created to that dialect's queue
     * (run it as a periodic task).
     */
    relay<Context>(options: TransitionRelayOptions<Context>): TransitionRelay {
      return createTransitionRelay({ db, store, jobs: deps.jobs }, options);
    },
    mount: {
      managementRoutes: [livenessRoutes(service)],
      tasks: [{ name: 'liveness-scan', intervalMs: deps.config.livenessScanIntervalMs, run: scanner.runOnce }],
      start: async () => void (await service.applyGlobalThresholds()),
    } satisfies FeatureMount,
  };
}

export type Liveness = ReturnType<typeof createLiveness>;
