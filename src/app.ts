import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock/clock.ts';
import type { FeatureMount } from './composition/feature.ts';
import { mountRoutes, registerTasks, startQueues } from './composition/mount.ts';
import type { Config } from './config/config.ts';
import { createSecretBox } from './crypto/secret-box.ts';
import type { Db } from './db/db.ts';
import { checkpointEmbeddedDatabase, EMBEDDED_CHECKPOINT_CHECK_MS, maintainEmbeddedDatabase } from './db/maintenance.ts';
import { createAlerts } from './features/alerts/index.ts';
import { createBackups } from './features/backups/index.ts';
import { createDashboard } from './features/dashboard/index.ts';
import { createFleetSummary } from './features/fleet-summary/index.ts';
import { createHealthScores } from './features/health-scores/index.ts';
import { createHeartbeats } from './features/heartbeats/index.ts';
import { createInventory } from './features/inventory/index.ts';
import { createJobs } from './features/jobs/index.ts';
import { createLiveness } from './features/liveness/index.ts';
import { createOrganizations, type Thresholds } from './features/organizations/index.ts';
import { createProbes, VERSION } from './features/probes/index.ts';
import { createSystems } from './features/systems/index.ts';
import { createBodyBudget } from './http/body-budget.ts';
import { createHttpApp } from './http/http-app.ts';
import { createIdleHeapCollector, fullGarbageCollection, utilizationSinceLastReading } from './memory/idle-heap-collector.ts';
import { createMetrics } from './metrics/metrics.ts';
import { createJobQueue } from './queue/job-queue.ts';
import { createScheduler } from './scheduler/scheduler.ts';

export interface MusterOptions {
  config: Config;
  db: Db;
  logger: Logger;
  /** SHA-256 of the operators' bearer token. */
  adminTokenHash: Buffer;
  /** The key stored secrets are encrypted with (SECRETS_KEY, or the one kept in DATA_DIR). */
  secretsKey: Buffer;
  clock?: Clock;
}

/**
 * Composes the features on the plumbing: each feature's composition root
 * (`features/<feature>/create-<feature>.ts`) gets what it depends on, and what it returns is
 * mounted. The order is the dependency order. Nothing listens or runs until `start()`.
 */
export async function createMuster(options: MusterOptions) {
  const { config, db, logger } = options;
  const clock = options.clock ?? systemClock;
  const defaults: Thresholds = { timeoutMinutes: config.heartbeatTimeoutMinutes, warningMinutes: config.heartbeatWarningMinutes };
  const metrics = createMetrics();
  const jobs = createJobQueue({ db, logger });
  const bodyBudget = createBodyBudget(config.apiMaxInFlightSize);

  const organizations = createOrganizations({ db, clock, defaults });
  const systems = createSystems({ db, clock, metrics, config, organizations: organizations.service });
  const liveness = createLiveness({ db, clock, logger, metrics, config, defaults, organizations, systems: systems.service });
  const heartbeats = createHeartbeats({ db, clock, logger, metrics, config, liveness: liveness.service, authenticator: systems.authenticator });
  const secrets = createSecretBox(options.secretsKey);
  const alerts = createAlerts({ db, clock, logger, jobs, secrets, config, organizations: organizations.service, systems, liveness: liveness.service });
  const backups = await createBackups({ db, clock, jobs, config, systems });
  const inventory = createInventory({ db, clock, logger, metrics, jobs, config, bodyBudget, alerts: alerts.service, systems });
  const fleetSummary = createFleetSummary({ clock, systems: systems.service, inventory: inventory.queries });
  const healthScores = createHealthScores({ db, clock, systems: systems.service });
  const features: FeatureMount[] = [
    createProbes({ db, jobs }).mount,
    ...[organizations, systems, liveness, heartbeats, alerts, backups, inventory, fleetSummary, healthScores].map((feature) => feature.mount),
    createJobs({ jobs }).mount,
    createDashboard({ config }).mount,
  ];

  const app = await createHttpApp({ config, logger, metrics, bodyBudget, version: VERSION });
  metrics.setJobStatusReader(() => jobs.status());
  metrics.setMemoryReader(() => ({ request_bodies_in_flight: { used: bodyBudget.used, limit: bodyBudget.limit }, ...inventory.service.memory() }));
  await mountRoutes(app, features, { roles: config.roles, adminTokenHash: options.adminTokenHash });
  const scheduler = createScheduler(logger);
  registerTasks(scheduler, features);
  if (db.kind === 'pglite') {
    scheduler.register({ name: 'embedded-maintenance', intervalMs: config.embeddedMaintenanceMinutes * 60_000, run: () => maintainEmbeddedDatabase(db) });
    scheduler.register({ name: 'embedded-checkpoint', intervalMs: EMBEDDED_CHECKPOINT_CHECK_MS, run: () => checkpointEmbeddedDatabase(db) });
  }
  // Every node, whatever its roles: any of them may parse large inventories.
  const idleCollector = createIdleHeapCollector({ collect: fullGarbageCollection(), heapUsed: () => process.memoryUsage().heapUsed, utilization: utilizationSinceLastReading(), logger });
  let started = false;

  return {
    app,
    clock,
    metrics,
    jobs,
    bodyBudget,
    organizations: organizations.service,
    systems: systems.service,
    authenticator: systems.authenticator,
    liveness: liveness.service,
    scanner: liveness.scanner,
    batcher: heartbeats.batcher,
    alerts: alerts.service,
    deliveries: alerts.deliveries,
    backups: backups.service,
    inventory: inventory.service,

    /** Prepares the database state, subscribes to invalidations and starts periodic work (not the listener). */
    async start(): Promise<void> {
      await maintainEmbeddedDatabase(db);
      for (const feature of features) await feature.start?.();
      await jobs.start();
      await startQueues(jobs, features, config.roles.has('worker'));
      await app.ready();
      if (config.roles.has('scheduler')) scheduler.start();
      idleCollector.start();
      started = true;
    },

    /** Stops taking requests, answers those in flight (their heartbeats flushed), stops periodic work. */
    async stop(): Promise<void> {
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

export type Muster = Awaited<ReturnType<typeof createMuster>>;
