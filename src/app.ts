import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock/clock.ts';
import type { Config } from './config/config.ts';
import { createSecretBox } from './crypto/secret-box.ts';
import { tryAdvisoryXactLock, type Db } from './db/db.ts';
import { checkpointEmbeddedDatabase, EMBEDDED_CHECKPOINT_CHECK_MS, maintainEmbeddedDatabase } from './db/maintenance.ts';
import { AppError } from './errors/errors.ts';
import { dashboardRoutes } from './features/dashboard/dashboard-routes.ts';
import { probesRoutes, VERSION } from './features/probes/probes-routes.ts';
import { healthScoreRoutes } from './features/health-scores/health-scores-routes.ts';
import { createHealthService } from './features/health-scores/health-scores-service.ts';
import { createHealthStore } from './features/health-scores/health-scores-store.ts';
import { createHeartbeatBatcher } from './features/heartbeats/heartbeat-batcher.ts';
import { heartbeatsRoutes } from './features/heartbeats/heartbeats-routes.ts';
import { applyGlobalThresholds } from './features/liveness/global-thresholds.ts';
import type { Thresholds } from './features/liveness/liveness-rules.ts';
import { livenessRoutes } from './features/liveness/liveness-routes.ts';
import { createLivenessScanner } from './features/liveness/liveness-scanner.ts';
import { createLivenessStore } from './features/liveness/liveness-store.ts';
import { createOrganizationsService } from './features/organizations/organizations-service.ts';
import { organizationsRoutes } from './features/organizations/organizations-routes.ts';
import { createOrganizationsStore } from './features/organizations/organizations-store.ts';
import { fleetSummaryRoutes } from './features/fleet-summary/fleet-summary-routes.ts';
import { loadChangeRules } from './features/inventory/diff/change-rules.ts';
import { inventoryIngestRoutes } from './features/inventory/inventory-ingest-routes.ts';
import { createInventoryQueries } from './features/inventory/inventory-queries.ts';
import { createInventoryRetention } from './features/inventory/inventory-retention.ts';
import { inventoryRoutes } from './features/inventory/inventory-routes.ts';
import { createInventoryService, INVENTORY_BATCH_MAX_BYTES, INVENTORY_JOB_BATCH_SIZE, INVENTORY_QUEUE } from './features/inventory/inventory-service.ts';
import { jobsRoutes } from './features/jobs/jobs-routes.ts';
import { createJobQueue } from './queue/job-queue.ts';
import { loadAlertRules } from './features/alerts/alert-rules.ts';
import { alertsRoutes } from './features/alerts/alerts-routes.ts';
import { createAlertsService } from './features/alerts/alerts-service.ts';
import { createAlertsStore } from './features/alerts/alerts-store.ts';
import { createAlertDeliveries } from './features/alerts/deliveries-service.ts';
import { alertmanagerProxyRoutes } from './features/alerts/alertmanager-proxy-routes.ts';
import { DELIVERY_QUEUE, type DeliveryJob } from './features/alerts/delivery-payloads.ts';
import { createWebhooksStore, type WebhooksStore } from './features/alerts/webhooks-store.ts';
import { backupsAdminRoutes } from './features/backups/backups-admin-routes.ts';
import { backupsRoutes } from './features/backups/backups-routes.ts';
import { BACKUP_PURGE_QUEUE, createBackupsService } from './features/backups/backups-service.ts';
import { createBackupsStore } from './features/backups/backups-store.ts';
import { openBackupStorage } from './features/backups/storage/open-backup-storage.ts';
import { webhooksRoutes } from './features/alerts/webhooks-routes.ts';
import { applianceSystemsRoutes } from './features/systems/appliance-routes.ts';
import { createSystemAuthenticator } from './features/systems/system-authenticator.ts';
import { systemsRoutes } from './features/systems/systems-routes.ts';
import { createSystemsService } from './features/systems/systems-service.ts';
import { createSystemsStore } from './features/systems/systems-store.ts';
import { requireBearer, sha256 } from './http/admin-auth.ts';
import { createBodyBudget } from './http/body-budget.ts';
import { installErrorHandling } from './http/error-handler.ts';
import { installJsonBodyLimits } from './http/json-limits.ts';
import { parseQueryString, refuseNulInUrl, stripBasePath } from './http/url.ts';
import { validatorCompiler } from './http/validation.ts';
import { createMetrics } from './metrics/metrics.ts';
import { createIdleHeapCollector, fullGarbageCollection, utilizationSinceLastReading } from './memory/idle-heap-collector.ts';
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
 * Wires every feature by hand: stores on the database, services on stores, routes on
 * services. Nothing listens or runs until `start()`.
 */
export async function createMuster(options: MusterOptions) {
  const { config, db, logger } = options;
  const clock = options.clock ?? systemClock;
  const defaults: Thresholds = { timeoutMinutes: config.heartbeatTimeoutMinutes, warningMinutes: config.heartbeatWarningMinutes };
  const metrics = createMetrics();

  const organizationsStore = createOrganizationsStore(db);
  const systemsStore = createSystemsStore(db);
  const livenessStore = createLivenessStore(db);
  metrics.setSystemStatusCounter(() => systemsStore.countByStatus());

  const authenticator = createSystemAuthenticator({
    db,
    store: systemsStore,
    systemKeyPrefix: config.systemKeyPrefix,
    cacheTtlSeconds: config.systemAuthCacheTtlSeconds,
    cacheSize: config.systemAuthCacheSize,
  });
  const jobs = createJobQueue({ db, logger });
  const alertsStore = createAlertsStore(db);
  const webhooksStore = createWebhooksStore(db, createSecretBox(options.secretsKey));
  const deliveries = createAlertDeliveries({
    store: alertsStore,
    webhooks: webhooksStore,
    jobs,
    clock,
    alertmanagerUrl: config.alertmanagerUrl,
    syncIntervalSeconds: config.alertmanagerSyncIntervalSeconds,
  });
  const alerts = createAlertsService({ db, store: alertsStore, rules: loadAlertRules(config.rulesFile), clock, deliveries });
  const backupsStore = createBackupsStore(db);
  const backups = createBackupsService({
    db,
    store: backupsStore,
    storage: await openBackupStorage({ dataDir: config.dataDir, s3: config.backups.s3 }),
    jobs,
    clock,
    limits: config.backups,
  });
  const organizations = createOrganizationsService({ db, store: organizationsStore, liveness: livenessStore, clock, defaults });
  const systems = createSystemsService({
    db,
    store: systemsStore,
    organizations: organizationsStore,
    authenticator,
    clock,
    systemKeyPrefix: config.systemKeyPrefix,
    onRegistered: (tx, systemId, at) => alerts.recordRegistration(tx, systemId, at),
    onDestroy: (tx, systemId) => backups.purgeAllOf(tx, systemId),
  });
  const batcher = createHeartbeatBatcher({
    write: (beats) => livenessStore.recordHeartbeats(beats),
    maxBatchSize: config.heartbeatBatchSize,
    maxPending: config.heartbeatMaxPending,
    // PGlite has a single connection; on PostgreSQL concurrent commits share WAL flushes.
    maxConcurrentWrites: db.kind === 'postgres' ? Math.min(config.heartbeatConcurrentWrites, config.databasePoolSize) : 1,
    logger,
    // Counted per batch rather than per request: every acknowledged request is answered 200.
    onBatchWritten: (size, seconds, acknowledged) => {
      metrics.heartbeatBatchSize.observe(size);
      metrics.heartbeatWriteDuration.observe(seconds);
      metrics.heartbeatsAccepted.inc(acknowledged);
    },
  });
  const inventory = createInventoryService({
    db,
    jobs,
    clock,
    logger,
    rules: loadChangeRules(config.rulesFile),
    alerts,
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
  const inventoryQueries = createInventoryQueries(db);
  metrics.setSetAsideCounter(() => inventoryQueries.countSetAside());
  metrics.setJobStatusReader(() => jobs.status());
  const scanner = createLivenessScanner({ db, store: livenessStore, clock, defaults, logger, metrics });
  const scheduler = createScheduler(logger);
  scheduler.register({ name: 'liveness-scan', intervalMs: config.livenessScanIntervalMs, run: scanner.runOnce });
  scheduler.register({ name: 'liveness-alerts', intervalMs: 1000, run: () => alerts.processLivenessEvents() });
  scheduler.register({ name: 'alerts-expiry', intervalMs: 60_000, run: () => alerts.resolveExpired() });
  if (config.alertmanagerUrl) {
    scheduler.register({
      name: 'alertmanager-sync',
      intervalMs: config.alertmanagerSyncIntervalSeconds * 1000,
      // Once per cluster: whoever holds the lock posts; the others skip this round.
      run: () => db.transaction(async (tx) => ((await tryAdvisoryXactLock(tx, 'alertmanager-sync')) ? deliveries.syncLivenessAlerts(tx) : 0)),
    });
  }
  scheduler.register({ name: 'backup-upload-log-prune', intervalMs: 3_600_000, run: () => backups.pruneUploadLog() });
  const retention = createInventoryRetention({ db, clock, logger });
  scheduler.register({ name: 'inventory-retention', intervalMs: config.retentionIntervalMinutes * 60_000, run: retention.run });
  if (db.kind === 'pglite') {
    scheduler.register({ name: 'embedded-maintenance', intervalMs: config.embeddedMaintenanceMinutes * 60_000, run: () => maintainEmbeddedDatabase(db) });
    scheduler.register({ name: 'embedded-checkpoint', intervalMs: EMBEDDED_CHECKPOINT_CHECK_MS, run: () => checkpointEmbeddedDatabase(db) });
  }

  const fastifyLogger: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance: fastifyLogger,
    // Per-request logs would dominate the heartbeat path: only at LOG_LEVEL=debug or finer.
    // Failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: !logger.isLevelEnabled('debug') }),
    // A child logger per request (for its reqId) costs a redaction pass on the hot path; only
    // worth it when requests are logged.
    childLoggerFactory: logger.isLevelEnabled('debug') ? undefined : (parent) => parent,
    bodyLimit: config.apiMaxRequestSize,
    rewriteUrl: (request) => stripBasePath(request.url ?? '/', config.basePath),
    routerOptions: { querystringParser: parseQueryString, ignoreTrailingSlash: true },
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app, config.apiMaxRequestSize);
  const bodyBudget = createBodyBudget(config.apiMaxInFlightSize);
  bodyBudget.install(app);
  metrics.setMemoryReader(() => ({ request_bodies_in_flight: { used: bodyBudget.used, limit: bodyBudget.limit }, ...inventory.memory() }));
  // Hostile input is refused here, for every route, before it reaches a route or the database.
  installJsonBodyLimits(app, config.apiJsonLimits);
  app.addHook('onRequest', refuseNulInUrl);
  // Callback style: an async hook would cost a promise on every request.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Muster', version: VERSION, description: 'Fleet inventory and heartbeat service' },
      ...(config.basePath ? { servers: [{ url: config.basePath }] } : {}),
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          systemCredentials: { type: 'http', scheme: 'basic', description: 'system_key:system_secret' },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiHooks: {
      // The UI loads its assets relative to the page: `/docs` must become `/docs/` (under BASE_PATH too).
      onRequest: (request, reply, done) => {
        if (request.url === '/docs') void reply.redirect(`${request.originalUrl.split('?')[0]}/`);
        else done();
      },
    },
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new AppError(429, 'rate limit exceeded', { retry_after_seconds: Math.ceil(context.ttl / 1000) }),
  });

  await app.register(probesRoutes(db, () => jobs.healthy()));
  // Without the api role a node only runs jobs and periodic tasks, answering health and metrics.
  if (config.roles.has('api')) {
    await app.register(applianceSystemsRoutes(systems, authenticator, config.registerRateLimitPerMinute));
    await app.register(heartbeatsRoutes({ batcher, authenticator, clock, metrics, maxRequestSize: config.apiMaxRequestSize }));
    await app.register(inventoryIngestRoutes(inventory, authenticator, config.apiMaxRequestSize, bodyBudget));
    await app.register(alertmanagerProxyRoutes({ alertmanagerUrl: config.alertmanagerUrl, systems, authenticator }));
    await app.register(backupsRoutes(backups, authenticator));
    await app.register(
      async (api) => {
        api.addHook('onRequest', requireBearer(options.adminTokenHash, 'Muster'));
        api.addHook('onRoute', (route) => {
          route.schema = { ...route.schema, security: [{ adminToken: [] }] };
        });
        await api.register(organizationsRoutes(organizations));
        await api.register(systemsRoutes(systems));
        await api.register(livenessRoutes(livenessStore, systems));
        await api.register(fleetSummaryRoutes(systemsStore, inventoryQueries, clock));
        await api.register(inventoryRoutes(inventoryQueries, systems, clock));
        await api.register(jobsRoutes(jobs));
        await api.register(alertsRoutes(alertsStore, systems));
        await api.register(webhooksRoutes(webhooksStore, organizations, deliveries, clock));
        await api.register(backupsAdminRoutes(backups, systems));
        await api.register(healthScoreRoutes(createHealthService({ store: createHealthStore(db), clock }), systems));
      },
      { prefix: '/api/v1' },
    );
    await app.register(dashboardRoutes({ distDir: config.dashboardDir, basePath: config.basePath }));
  }
  await app.register(async (scope) => {
    if (config.metricsToken) scope.addHook('onRequest', requireBearer(sha256(config.metricsToken), 'metrics'));
    scope.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  });

  const idleCollector = createIdleHeapCollector({
    collect: fullGarbageCollection(),
    heapUsed: () => process.memoryUsage().heapUsed,
    utilization: utilizationSinceLastReading(),
    logger,
  });
  let started = false;

  return {
    app,
    clock,
    metrics,
    organizations,
    systems,
    authenticator,
    batcher,
    scanner,
    livenessStore,
    inventory,
    jobs,
    alerts,
    deliveries,
    backups,
    bodyBudget,

    /** Prepares the database state, subscribes to invalidations and starts periodic work (not the listener). */
    async start(): Promise<void> {
      await organizations.ensureDefault();
      await applyGlobalThresholds(db, livenessStore, defaults, clock);
      await maintainEmbeddedDatabase(db);
      await authenticator.listen();
      await secureWebhookSecrets(webhooksStore, logger);
      await jobs.start();
      await jobs.define({ name: INVENTORY_QUEUE, retryLimit: 8, retryDelaySeconds: 5, retryDelayMaxSeconds: 3600, expireInSeconds: 600, policy: 'short' });
      await jobs.define({ name: BACKUP_PURGE_QUEUE, retryLimit: 20, retryDelaySeconds: 10, retryDelayMaxSeconds: 3600, expireInSeconds: 600 });
      await jobs.define({ name: DELIVERY_QUEUE, retryLimit: 10, retryDelaySeconds: 5, retryDelayMaxSeconds: 1800, expireInSeconds: 120 });
      if (config.roles.has('worker')) {
        await jobs.workBatches<{ systemId: string }>(
          INVENTORY_QUEUE,
          async (batch) => {
            await inventory.process(...batch.map((job) => job.systemId));
          },
          { batchSize: INVENTORY_JOB_BATCH_SIZE, concurrency: config.inventoryJobConcurrency },
        );
        await jobs.work<DeliveryJob>(DELIVERY_QUEUE, (job) => deliveries.deliver(job), 4);
        await jobs.work<{ keys: string[] }>(BACKUP_PURGE_QUEUE, (job) => backups.purge(job.keys), 1);
      }
      await app.ready();
      if (config.roles.has('scheduler')) scheduler.start();
      // Every node, whatever its roles: any of them may parse large inventories.
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
      await batcher.drain();
      await inventory.drain();
      if (started) {
        await scheduler.stop();
        // Leave part of the shutdown budget for closing the database afterwards.
        await jobs.stop(Math.floor(config.shutdownTimeoutMs * 0.8));
      }
    },
  };
}

export type Muster = Awaited<ReturnType<typeof createMuster>>;

/** Encrypts webhook secrets still in clear, and says at once when this node's key is not the one that encrypted the others. */
async function secureWebhookSecrets(store: WebhooksStore, logger: Logger): Promise<void> {
  const { encrypted, sealedWithOtherKeys } = await store.secureStoredSecrets();
  if (encrypted > 0) logger.info({ webhooks: encrypted }, 'webhook signing secrets encrypted at rest');
  if (sealedWithOtherKeys > 0) {
    logger.error(
      { webhooks: sealedWithOtherKeys },
      'webhook signing secrets were encrypted with another SECRETS_KEY: their deliveries fail on this node; set the same SECRETS_KEY on every node (or recreate those webhooks if that key is lost)',
    );
  }
}
