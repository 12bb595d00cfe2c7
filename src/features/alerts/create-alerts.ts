import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { SecretBox } from '../../crypto/secret-box.ts';
import type { Db } from '../../db/db.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import type { LivenessService } from '../liveness/index.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import type { Systems } from '../systems/index.ts';
import { loadAlertRules } from './alert-rules.ts';
import { createMetricAlerts, type MetricAlertsDeps } from './metric-alerts.ts';

const METRIC_ALERTS_INTERVAL_MS = 30_000;
import { alertmanagerProxyRoutes } from './alertmanager-proxy-routes.ts';
import { createAlertSilencesStore } from './alert-silences-store.ts';
import { createAlertTriage } from './alert-triage.ts';
import { alertsRoutes } from './alerts-routes.ts';
import { createAlertsService } from './alerts-service.ts';
import { createAlertsStore } from './alerts-store.ts';
import { createAlertDeliveries } from './deliveries-service.ts';
import { DELIVERY_QUEUE, type DeliveryJob } from './delivery-payloads.ts';
import { webhooksRoutes } from './webhooks-routes.ts';
import { createWebhooksService } from './webhooks-service.ts';
import { createWebhooksStore } from './webhooks-store.ts';

export interface AlertsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  jobs: JobQueue;
  /** Encrypts webhooks' signing secrets at rest (SECRETS_KEY). */
  secrets: SecretBox;
  config: Pick<Config, 'rulesFile' | 'alertmanagerUrl' | 'alertmanagerSyncIntervalSeconds'>;
  organizations: Pick<OrganizationsService, 'get'>;
  systems: Pick<Systems, 'service' | 'authenticator' | 'onRegistered' | 'onSetAside'>;
  liveness: Pick<LivenessService, 'claimUnalerted' | 'markAlerted'>;
  /** The metrics store's latest samples, and the metric names rules may name. */
  metrics: MetricAlertsDeps['metrics'] & { names: readonly string[] };
}

/**
 * Alerts: raised from inventory changes, liveness transitions and registrations by the rules
 * file, delivered to webhooks and Alertmanager as durable jobs; and the appliances' scoped
 * Alertmanager proxy.
 */
export function createAlerts(deps: AlertsDeps) {
  const { db, clock, jobs, config, systems } = deps;
  const store = createAlertsStore(db);
  const webhooksStore = createWebhooksStore(db, deps.secrets);
  const silences = createAlertSilencesStore(db);
  const triage = createAlertTriage({ clock, store, silences, alertmanagerUrl: config.alertmanagerUrl });
  const deliveries = createAlertDeliveries({
    db,
    store,
    muted: (alert) => triage.muted(alert),
    webhooks: webhooksStore,
    jobs,
    clock,
    alertmanagerUrl: config.alertmanagerUrl,
    syncIntervalSeconds: config.alertmanagerSyncIntervalSeconds,
  });
  const rules = loadAlertRules(config.rulesFile, deps.metrics.names);
  const metricAlerts = createMetricAlerts({ db, store, rules, clock, deliveries, metrics: deps.metrics });
  const service = createAlertsService({
    db,
    store,
    rules,
    clock,
    deliveries,
    liveness: deps.liveness,
    systems: systems.service,
  });
  const webhooks = createWebhooksService({ store: webhooksStore, organizations: deps.organizations, deliveries, clock, logger: deps.logger });
  systems.onRegistered((tx, systemId, at) => service.recordRegistration(tx, systemId, at));
  systems.onSetAside((tx, systemId, at) => service.resolveLivenessOf(tx, systemId, at));

  return {
    service,
    deliveries,
    /** One evaluation of the metric alert rules now (tests; the scheduler runs it every 30 s). */
    metricAlerts,
    mount: {
      applianceRoutes: [alertmanagerProxyRoutes({ alertmanagerUrl: config.alertmanagerUrl, systems: systems.service, authenticator: systems.authenticator })],
      managementRoutes: [alertsRoutes(service, triage), webhooksRoutes(webhooks)],
      queues: [
        {
          definition: { name: DELIVERY_QUEUE, retryLimit: 10, retryDelaySeconds: 5, retryDelayMaxSeconds: 1800, expireInSeconds: 120 },
          work: (queue) => queue.work<DeliveryJob>(DELIVERY_QUEUE, (job) => deliveries.deliver(job), 4),
        },
      ],
      tasks: [
        { name: 'liveness-alerts', intervalMs: 1000, run: (signal) => service.processLivenessEvents(signal) },
        { name: 'alerts-expiry', intervalMs: 60_000, run: () => service.resolveExpired() },
        { name: 'metric-alerts', intervalMs: METRIC_ALERTS_INTERVAL_MS, run: () => metricAlerts.evaluate() },
        ...(config.alertmanagerUrl
          ? [{ name: 'alertmanager-sync', intervalMs: config.alertmanagerSyncIntervalSeconds * 1000, run: () => deliveries.syncLivenessAlertsOnce() }]
          : []),
      ],
      start: () => webhooks.secureStoredSecrets(),
    } satisfies FeatureMount,
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
