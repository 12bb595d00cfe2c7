import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock/clock.ts';
import type { FeatureMount } from './composition/feature.ts';
import { createNode } from './composition/node.ts';
import type { Config } from './config/config.ts';
import { createSecretBox } from './crypto/secret-box.ts';
import type { Db } from './db/db.ts';
import { createHeartbeatDaemon } from './dialects/heartbeat-daemon/index.ts';
import { createHostInventory } from './dialects/host-inventory/index.ts';
import { createMonitoring } from './dialects/monitoring/index.ts';
import { createAccounts } from './features/accounts/index.ts';
import { createApiKeys } from './features/api-keys/index.ts';
import { createAudit } from './features/audit/index.ts';
import { createAlerts } from './features/alerts/index.ts';
import { createBackups } from './features/backups/index.ts';
import { createDashboard } from './features/dashboard/index.ts';
import { createFleetSummary } from './features/fleet-summary/index.ts';
import { createHealthScores } from './features/health-scores/index.ts';
import { createHeartbeats } from './features/heartbeats/index.ts';
import { createInventory } from './features/inventory/index.ts';
import { createJobs } from './features/jobs/index.ts';
import { createLiveness } from './features/liveness/index.ts';
import { createHostsService } from './features/hosts/index.ts';
import { sha256 } from './http/admin-auth.ts';
import { createSystemMetrics, METRIC_NAMES } from './features/metrics/index.ts';
import { createOrganizations, type Thresholds } from './features/organizations/index.ts';
import { createPersonalTokens } from './features/personal-tokens/index.ts';
import { createProbes, VERSION } from './features/probes/index.ts';
import { createSessions } from './features/sessions/index.ts';
import { createSso } from './features/sso/index.ts';
import { createSystems } from './features/systems/index.ts';
import { createAuthentication } from './http/authentication.ts';
import { createBodyBudget } from './http/body-budget.ts';
import { createHttpApp } from './http/http-app.ts';
import { createMetrics } from './metrics/metrics.ts';
import { createJobQueue } from './queue/job-queue.ts';

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
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  // The features get the audited Db: during a change through the management API, its first
  // committing transaction carries the audit row (README, "Audit log"). The hot paths
  // (heartbeats, liveness, inventory, the job queue) keep the database itself.
  const audit = createAudit({ db: options.db, clock, logger, config });
  const db = audit.db;
  const database = options.db;
  const defaults: Thresholds = { timeoutSeconds: config.heartbeatTimeoutMinutes * 60, warningSeconds: config.heartbeatWarningMinutes * 60 };
  const metrics = createMetrics();
  const jobs = createJobQueue({ db: database, logger });
  const bodyBudget = createBodyBudget(config.apiMaxInFlightSize);

  const organizations = createOrganizations({ db, clock, defaults });
  const accounts = createAccounts({ db, clock, config, logger, organizations: organizations.service });
  const personalTokens = createPersonalTokens({ db, clock, logger, users: accounts.access });
  const sessions = createSessions({ db, database, clock, logger, config, users: accounts.users, access: accounts.access });
  const apiKeys = createApiKeys({ db, clock, logger, organizations: organizations.service });
  const systems = createSystems({ db, clock, metrics, logger, config, organizations: organizations.service });
  const liveness = createLiveness({ db: database, clock, logger, metrics, jobs, config, defaults, organizations, systems: systems.service });
  const heartbeats = createHeartbeats({ db: database, clock, logger, metrics, config, liveness: liveness.service, authenticator: systems.authenticator });
  const secrets = createSecretBox(options.secretsKey);
  const sso = await createSso({
    config,
    secrets,
    clock,
    logger,
    // The provider vouched for the email: the user it names (with the provider's roles) gets a session.
    completeSignIn: async (identity, request, reply) => {
      const user = await accounts.userForProvider(identity);
      await sessions.signInVerified(user.id, request, reply);
    },
  });
  const systemMetrics = createSystemMetrics({ db: database, clock, logger, config, metrics, systems, bodyBudget });
  const alerts = createAlerts({
    db,
    clock,
    logger,
    jobs,
    secrets,
    config,
    organizations: organizations.service,
    systems,
    liveness: liveness.service,
    metrics: { latest: (names, maxAgeS) => systemMetrics.queries.latest(names, maxAgeS), names: Object.keys(METRIC_NAMES) },
  });
  const backups = await createBackups({ db, clock, jobs, config, systems });
  const inventory = createInventory({ db: database, clock, logger, metrics, jobs, config, bodyBudget, alerts: alerts.service, systems });
  const fleetSummary = createFleetSummary({ db: database, clock, systems: systems.service, inventory: inventory.queries });
  const healthScores = createHealthScores({ db: database, clock, systems: systems.service });
  const probes = createProbes({ db: database, jobs });
  const heartbeatDaemon = createHeartbeatDaemon({
    clock,
    logger,
    config,
    apiKeys: apiKeys.authenticator,
    batcher: heartbeats.batcher,
    peers: systems.peers,
    liveness,
    organizations: organizations.service,
    health: probes.checks,
    version: VERSION,
  });
  const monitoring = createMonitoring({
    clock,
    apiKeys: apiKeys.authenticator,
    batcher: heartbeats.batcher,
    peers: systems.peers,
    reports: systems.peerReports,
    metrics: systemMetrics.service,
    inventory: inventory.service,
    systems: systems.service,
    organizations: organizations.service,
    jsonLimits: config.apiJsonLimits,
    audit: audit.trail,
  });
  const hostInventory = createHostInventory({
    clock,
    logger,
    apiKeys: apiKeys.authenticator,
    hosts: createHostsService(database, clock),
    systems: systems.service,
    batcher: heartbeats.batcher,
    organizations: organizations.service,
    identity: config.hostInventoryIdentity,
    audit: audit.trail,
    version: VERSION,
    metrics: {
      contentType: metrics.registry.contentType,
      render: () => metrics.registry.metrics(),
      ...(config.metricsToken ? { tokenHash: sha256(config.metricsToken) } : {}),
    },
  });
  const features: FeatureMount[] = [
    probes.mount,
    ...[
      organizations,
      accounts,
      sessions,
      personalTokens,
      apiKeys,
      systems,
      liveness,
      heartbeats,
      alerts,
      backups,
      inventory,
      systemMetrics,
      fleetSummary,
      healthScores,
    ].map((feature) => feature.mount),
    heartbeatDaemon.mount,
    monitoring.mount,
    hostInventory.mount,
    createJobs({ jobs, db }).mount,
    audit.mount,
    sso.mount,
    createDashboard({ config }).mount,
  ];

  const app = await createHttpApp({ config, logger, metrics, bodyBudget, version: VERSION });
  metrics.setJobStatusReader(() => jobs.status());
  metrics.setMemoryReader(() => ({ request_bodies_in_flight: { used: bodyBudget.used, limit: bodyBudget.limit }, ...inventory.service.memory() }));
  const access = {
    authenticate: createAuthentication({
      adminTokenHash: options.adminTokenHash,
      bearers: [personalTokens.bearer, apiKeys.bearer],
      cookie: sessions.authenticator,
    }),
    organizationOfSystem: (id: string) => systems.service.organizationOf(id),
    defaultOrganizationId: async () => (await organizations.service.ensureDefault()).id,
    securitySchemes: ['bearer', 'session'],
  };
  const node = await createNode({ config, db: database, logger, app, jobs, features, access, audit: audit.trail });

  return {
    app,
    clock,
    metrics,
    jobs,
    bodyBudget,
    organizations: organizations.service,
    systems: systems.service,
    authenticator: systems.authenticator,
    apiKeys: apiKeys.authenticator,
    accounts,
    personalTokens: personalTokens.service,
    sessions: sessions.service,
    audit: audit.service,
    liveness: liveness.service,
    scanner: liveness.scanner,
    batcher: heartbeats.batcher,
    alerts: alerts.service,
    metricAlerts: alerts.metricAlerts,
    deliveries: alerts.deliveries,
    backups: backups.service,
    inventory: inventory.service,
    hostProfileBackfill: inventory.backfill,
    hostCulling: hostInventory.culling,
    systemMetrics,
    sso,
    heartbeatDaemon,

    start: node.start,
    stop: node.stop,
  };
}

export type Muster = Awaited<ReturnType<typeof createMuster>>;
