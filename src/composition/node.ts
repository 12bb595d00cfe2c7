import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/db.ts';
import type { AccessControlOptions } from '../http/access-control.ts';
import type { AuditTrailOptions } from '../http/audit-trail.ts';
import { checkpointEmbeddedDatabase, EMBEDDED_CHECKPOINT_CHECK_MS, maintainDatabase, needsOwnMaintenance } from '../db/maintenance.ts';
import { createIdleHeapCollector, fullGarbageCollection, utilizationSinceLastReading } from '../memory/idle-heap-collector.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import { createScheduler } from '../scheduler/scheduler.ts';
import type { FeatureMount } from './feature.ts';
import { mountRoutes, registerTasks, startQueues } from './mount.ts';

export interface NodeParts {
  config: Pick<Config, 'roles' | 'embeddedMaintenanceMinutes' | 'shutdownTimeoutMs'>;
  db: Db;
  logger: Logger;
  app: FastifyInstance;
  jobs: JobQueue;
  features: readonly FeatureMount[];
  /** Who may call the management routes. */
  access: AccessControlOptions;
  /** How changes through the management API are audited. */
  audit?: AuditTrailOptions;
}

/**
 * One Muster node: the features mounted by its roles (routes on api nodes, queues' handlers on
 * worker nodes, periodic tasks on scheduler nodes) and its lifecycle.
 */
export async function createNode(parts: NodeParts) {
  const { config, db, app, jobs, features } = parts;
  await mountRoutes(app, features, { roles: config.roles, access: parts.access, ...(parts.audit ? { audit: parts.audit } : {}) });
  const scheduler = createScheduler(parts.logger);
  registerTasks(scheduler, features);
  if (db.kind === 'pglite') {
    scheduler.register({ name: 'embedded-checkpoint', intervalMs: EMBEDDED_CHECKPOINT_CHECK_MS, run: () => checkpointEmbeddedDatabase(db) });
  }
  // Every node, whatever its roles: any of them may parse large inventories.
  const idleCollector = createIdleHeapCollector({
    collect: fullGarbageCollection(),
    heapUsed: () => process.memoryUsage().heapUsed,
    utilization: utilizationSinceLastReading(),
    logger: parts.logger,
  });
  let started = false;

  return {
    /** Prepares the database state, subscribes to invalidations and starts periodic work (not the listener). */
    start: async (): Promise<void> => {
      if (await needsOwnMaintenance(db)) {
        // PGlite's at once (a restart may follow a long run); PostgreSQL's first after the interval.
        if (db.kind === 'pglite') await maintainDatabase(db);
        else parts.logger.warn("PostgreSQL's autovacuum is off: Muster runs VACUUM (ANALYZE) itself every EMBEDDED_MAINTENANCE_MINUTES");
        scheduler.register({ name: 'database-maintenance', intervalMs: config.embeddedMaintenanceMinutes * 60_000, run: () => maintainDatabase(db) });
      }
      for (const feature of features) await feature.start?.();
      await jobs.start();
      await startQueues(jobs, features, config.roles.has('worker'));
      await app.ready();
      if (config.roles.has('scheduler')) scheduler.start();
      idleCollector.start();
      started = true;
    },

    /** Stops taking requests, answers those in flight (their heartbeats flushed), stops periodic work. */
    stop: async (): Promise<void> => {
      idleCollector.stop();
      // Requests in flight finish; keep-alive connections are closed as soon as they fall idle
      // (the server only closes those idle at the moment it stops listening).
      const closeIdle = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(closeIdle);
      }
      for (const feature of features) await feature.drain?.();
      if (started) {
        await scheduler.stop();
        // Leave part of the shutdown budget for closing the database afterwards.
        await jobs.stop(Math.floor(config.shutdownTimeoutMs * 0.8));
      }
    },
  };
}
