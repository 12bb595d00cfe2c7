import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import type { BodyBudget } from '../../http/body-budget.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import type { AlertsService } from '../alerts/index.ts';
import type { Systems } from '../systems/index.ts';
import { loadChangeRules } from './diff/change-rules.ts';
import { createHostProfileBackfill } from './host-profile/host-profile-backfill.ts';
import { inventoryIngestRoutes } from './inventory-ingest-routes.ts';
import { createInventoryQueries } from './inventory-queries.ts';
import { createInventoryRetention } from './inventory-retention.ts';
import { inventoryRoutes } from './inventory-routes.ts';
import { createInventoryService, INVENTORY_BATCH_MAX_BYTES, INVENTORY_JOB_BATCH_SIZE, INVENTORY_QUEUE } from './inventory-service.ts';
import { createInventoryStore } from './inventory-store.ts';

export interface InventoryDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  jobs: JobQueue;
  config: Pick<
    Config,
    | 'rulesFile'
    | 'roles'
    | 'inventoryCacheSize'
    | 'apiJsonLimits'
    | 'apiMaxRequestSize'
    | 'inventoryBatchSize'
    | 'inventoryMaxPending'
    | 'inventoryConcurrentWrites'
    | 'databasePoolSize'
    | 'inventoryJobConcurrency'
    | 'retentionIntervalMinutes'
  >;
  /** The in-flight request bodies' byte budget the ingest route reserves from. */
  bodyBudget: BodyBudget;
  alerts: Pick<AlertsService, 'raiseForChanges'>;
  systems: Pick<Systems, 'service' | 'authenticator'>;
}

/**
 * Inventories: ingest (group-committed, answered 202 once durable), processing (a durable job
 * per system diffing each inventory against its predecessor by the rules file), the queries
 * over records and changes, and retention.
 */
export function createInventory(deps: InventoryDeps) {
  const { db, clock, logger, metrics, config } = deps;
  const service = createInventoryService({
    db,
    jobs: deps.jobs,
    clock,
    logger,
    rules: loadChangeRules(config.rulesFile),
    alerts: deps.alerts,
    processesJobs: config.roles.has('worker'),
    cacheSize: config.inventoryCacheSize,
    jsonLimits: config.apiJsonLimits,
    ingest: {
      maxBatchSize: config.inventoryBatchSize,
      maxBatchBytes: INVENTORY_BATCH_MAX_BYTES,
      maxPending: config.inventoryMaxPending,
      maxConcurrentWrites: db.kind === 'postgres' ? Math.min(config.inventoryConcurrentWrites, config.databasePoolSize) : 1,
      onBatchWritten: (size, seconds) => {
        metrics.inventoryBatchSize.observe(size);
        metrics.inventoryWriteDuration.observe(seconds);
      },
    },
  });
  const queries = createInventoryQueries(db);
  metrics.setSetAsideCounter(() => queries.countSetAside());
  const retention = createInventoryRetention({ db, clock, logger });
  const backfill = createHostProfileBackfill({ db, store: createInventoryStore(), logger });

  return {
    service,
    queries,
    backfill,
    mount: {
      applianceRoutes: [inventoryIngestRoutes(service, deps.systems.authenticator, config.apiMaxRequestSize, deps.bodyBudget)],
      managementRoutes: [inventoryRoutes(queries, deps.systems.service, clock)],
      queues: [
        {
          definition: { name: INVENTORY_QUEUE, retryLimit: 8, retryDelaySeconds: 5, retryDelayMaxSeconds: 3600, expireInSeconds: 600, policy: 'short' },
          work: (queue) =>
            queue.workBatches<{ systemId: string }>(
              INVENTORY_QUEUE,
              async (batch) => {
                await service.process(...batch.map((job) => job.systemId));
              },
              { batchSize: INVENTORY_JOB_BATCH_SIZE, concurrency: config.inventoryJobConcurrency },
            ),
        },
      ],
      tasks: [
        { name: 'inventory-retention', intervalMs: config.retentionIntervalMinutes * 60_000, run: retention.run },
        { name: 'host-profile-backfill', intervalMs: 60_000, run: backfill.run },
      ],
      drain: () => service.drain(),
    } satisfies FeatureMount,
  };
}

export type Inventory = ReturnType<typeof createInventory>;
