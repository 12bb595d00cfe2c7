import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import type { BodyBudget } from '../../http/body-budget.ts';
import type { SystemAuthenticator, Systems, SystemsService } from '../systems/index.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { createMetricIngest, type IngestedSamples } from './metric-ingest.ts';
import { createRemoteWriter, type RemoteSample } from './remote-write.ts';
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
  config: Pick<Config, 'metrics' | 'databasePoolSize' | 'shutdownTimeoutMs'>;
  metrics: Pick<Metrics, 'metricSamplesStored' | 'remoteWriteSamplesSent' | 'remoteWriteSamplesDropped' | 'remoteWriteFailedAttempts'>;
  systems: { service: SystemsService; authenticator: SystemAuthenticator; onDestroy: Systems['onDestroy'] };
  /** The in-flight request bodies' byte budget the native endpoint reserves from (as decoded). */
  bodyBudget: BodyBudget;
}

/** The samples of stored batches as remote write sends them: each series with its system's and organization's ids. */
export function toRemoteSamples(batch: readonly IngestedSamples[]): RemoteSample[] {
  const samples: RemoteSample[] = [];
  for (const entry of batch) {
    const timestampMs = entry.at.getTime();
    entry.set.series.forEach((series, i) => {
      samples.push({
        name: series.name,
        labels: { ...series.labels, system_id: entry.systemId, organization_id: entry.organizationId },
        timestampMs,
        value: entry.set.values[i]!,
      });
    });
  }
  return samples;
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
  const counters = deps.metrics;
  // Forwarding never holds up storing: samples are queued after their commit, bounded, and sent in the background.
  const remote = settings.remoteWriteUrl
    ? createRemoteWriter({
        url: settings.remoteWriteUrl,
        logger: deps.logger,
        metrics: {
          samplesSent: (count) => counters.remoteWriteSamplesSent.inc(count),
          samplesDropped: (count, reason) => counters.remoteWriteSamplesDropped.inc({ reason }, count),
          failedAttempt: () => counters.remoteWriteFailedAttempts.inc(),
        },
      })
    : undefined;
  const ingest = createMetricIngest({
    store,
    clock,
    logger: deps.logger,
    maxBatchSize: settings.batchSize,
    maxPending: settings.maxPending,
    maxConcurrentWrites: db.kind === 'postgres' ? Math.min(2, config.databasePoolSize) : 1,
    layoutCacheSize: LAYOUT_CACHE_SIZE,
    onBatchWritten: (batch) => {
      counters.metricSamplesStored.inc(batch.reduce((sum, entry) => sum + entry.set.values.length, 0));
      remote?.push(toRemoteSamples(batch));
    },
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
    /** The forwarder's state, when METRICS_REMOTE_WRITE_URL is set. */
    remote,
    mount: {
      applianceRoutes: [nativeMetricsRoutes({ service, authenticator: deps.systems.authenticator, clock, rawRetentionMs: settings.rawRetentionMs, bodyBudget: deps.bodyBudget })],
      managementRoutes: [metricsRoutes(queries, deps.systems.service, clock)],
      tasks: [{ name: 'metrics-rollup', intervalMs: settings.rollupIntervalMs, run: (signal) => rollups.runOnce(signal) }],
      // Today's partition before the first sample (the rollup task makes tomorrow's in time).
      start: async () => {
        await store.ensurePartition(store.partitionOf('metric_samples', clock.now()));
      },
      drain: async () => {
        await ingest.drain();
        // What is still queued for the remote endpoint gets a share of the shutdown time, then is counted as dropped.
        await remote?.stop(Math.min(5_000, config.shutdownTimeoutMs / 2));
      },
    } satisfies FeatureMount,
  };
}

export type SystemMetrics = ReturnType<typeof createSystemMetrics>;
