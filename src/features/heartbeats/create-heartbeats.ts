import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { LivenessService } from '../liveness/index.ts';
import type { SystemAuthenticator } from '../systems/index.ts';
import { createHeartbeatBatcher } from './heartbeat-batcher.ts';
import { heartbeatsRoutes } from './heartbeats-routes.ts';

export interface HeartbeatsDeps {
  db: Pick<Db, 'kind'>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  config: Pick<Config, 'heartbeatBatchSize' | 'heartbeatMaxPending' | 'heartbeatConcurrentWrites' | 'databasePoolSize' | 'apiMaxRequestSize'>;
  liveness: Pick<LivenessService, 'recordHeartbeats'>;
  authenticator: SystemAuthenticator;
}

/** `POST /api/systems/heartbeat`: heartbeats group-committed to the liveness engine, answered once stored. */
export function createHeartbeats(deps: HeartbeatsDeps) {
  const { config, metrics } = deps;
  const batcher = createHeartbeatBatcher({
    write: (beats) => deps.liveness.recordHeartbeats(beats),
    maxBatchSize: config.heartbeatBatchSize,
    maxPending: config.heartbeatMaxPending,
    // PGlite has a single connection; on PostgreSQL concurrent commits share WAL flushes.
    maxConcurrentWrites: deps.db.kind === 'postgres' ? Math.min(config.heartbeatConcurrentWrites, config.databasePoolSize) : 1,
    logger: deps.logger,
    // Counted per batch rather than per request: every acknowledged request is answered 200.
    onBatchWritten: (size, seconds, acknowledged) => {
      metrics.heartbeatBatchSize.observe(size);
      metrics.heartbeatWriteDuration.observe(seconds);
      metrics.heartbeatsAccepted.inc(acknowledged);
    },
  });

  return {
    batcher,
    mount: {
      applianceRoutes: [heartbeatsRoutes({ batcher, authenticator: deps.authenticator, clock: deps.clock, metrics, maxRequestSize: config.apiMaxRequestSize })],
      drain: () => batcher.drain(),
    } satisfies FeatureMount,
  };
}
