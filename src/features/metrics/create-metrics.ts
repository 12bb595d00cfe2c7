import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import type { SystemAuthenticator, Systems, SystemsService } from '../systems/index.ts';
import { createMetricIngest, type IngestedSamples } from './metric-ingest.ts';
import { createMetricRollups, type MetricRetention } from './metric-rollups.ts';
import { createMetricsQueries } from './metrics-queries.ts';
import { metricsRoutes, nativeMetricsRoutes } from './metrics-routes.ts';
import { createMetricsService } from './metrics-service.ts';
import { createMetricsStore } from './metrics-store.ts';

/** Layouts remembered per node: a system's series set rarely changes. */
const LAYOUT_CACHE_SIZE = 200_000;

export interface SystemMetricsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'metrics' | 'databasePoolSize'>;
  systems: { service: SystemsService; authenticator: SystemAuthenticator; onDestroy: Systems['onDestroy'] };
  /** After each committed batch (remote write). */
  onSamplesStored?: (batch: readonly IngestedSamples[]) => void;
}

/**
 * The metrics store (SPEC §10, ADR 0020): samples group-committed from every dialect and the
 * native endpoint, rolled up and expired once per cluster, read by the management API.
 */
export function createSystemMetrics(deps: SystemMetricsDeps) {
  const { db, clock, config } = deps;
  const settings = config.metrics;
  const retention: MetricRetention = { rawMs: settings.rawRetentionMs, fiveMinuteMs: settings.fiveMinuteRetentionMs, hourMs: settings.hourRetentionMs };
  const store = createMetricsStore(db);
  const ingest = createMetricIngest({
    store,
    clock,
    logger: deps.logger,
    maxBatchSize: settings.batchSize,
    maxPending: settings.maxPending,
    maxConcurrentWrites: db.kind === 'postgres' ? Math.min(2, config.databasePoolSize) : 1,
    layoutCacheSize: LAYOUT_CACHE_SIZE,
    ...(deps.onSamplesStored ? { onBatchWritten: (batch: readonly IngestedSamples[]) => deps.onSamplesStored!(batch) } : {}),
  });
  const service = createMetricsService(ingest);
  const rollups = createMetricRollups({ db, store, clock, logger: deps.logger, retention });
  const queries = createMetricsQueries({ store, clock, retention });
  deps.systems.onDestroy((tx, systemId) => store.forgetSystem(tx, systemId));

  return {
    service,
    queries,
    /** One rollup and retention round now (tests; the scheduler runs it every METRICS_ROLLUP_INTERVAL). */
    rollups,
    mount: {
      applianceRoutes: [nativeMetricsRoutes({ service, authenticator: deps.systems.authenticator, clock, rawRetentionMs: settings.rawRetentionMs })],
      managementRoutes: [metricsRoutes(queries, deps.systems.service, clock)],
      tasks: [{ name: 'metrics-rollup', intervalMs: settings.rollupIntervalMs, run: (signal) => rollups.runOnce(signal) }],
      // Today's partition before the first sample (the rollup task makes tomorrow's in time).
      start: async () => {
        await store.ensurePartition(store.partitionOf('metric_samples', clock.now()));
      },
      drain: () => ingest.drain(),
    } satisfies FeatureMount,
  };
}

export type SystemMetrics = ReturnType<typeof createSystemMetrics>;
