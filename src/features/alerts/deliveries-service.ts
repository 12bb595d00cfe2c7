import type { Clock } from '../../clock/clock.ts';
import { tryAdvisoryXactLock, type Db, type Sql } from '../../db/db.ts';
import { NotFoundError } from '../../errors/errors.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { alertmanagerAlert, DELIVERY_QUEUE, postJson, signature, webhookPayload, type DeliveryJob, type DeliveryTarget } from './delivery-payloads.ts';
import type { Alert, AlertsStore } from './alerts-store.ts';
import type { WebhooksStore } from './webhooks-store.ts';

const SYNC_BATCH = 500;

export interface AlertDeliveriesDeps {
  db: Db;
  store: AlertsStore;
  /** Whether an operator silenced the alert's rule on its system for now: its webhooks are then not sent. */
  muted?: (alert: Alert) => Promise<boolean>;
  webhooks: WebhooksStore;
  jobs: Pick<JobQueue, 'enqueue' | 'enqueueMany'>;
  clock: Clock;
  /** Base URL of Alertmanager (ALERTMANAGER_URL), or undefined. */
  alertmanagerUrl: string | undefined;
  /** Seconds between re-posts of firing liveness alerts; they are sent ending two of these ahead. */
  syncIntervalSeconds: number;
}

export interface AlertDeliveries {
  /** In the caller's transaction: one delivery job per target. Point-in-time events skip Alertmanager. */
  enqueue(tx: Sql, alert: { id: string; organizationId: string }, toAlertmanager: boolean): Promise<void>;
  /** enqueue for several alerts: one webhook lookup for all their organizations, one insert of all their jobs. */
  enqueueMany(tx: Sql, alerts: readonly { id: string; organizationId: string }[], toAlertmanager: boolean): Promise<void>;
  /** The job: delivers the alert as it is now (a resolution that followed is sent as resolved). */
  deliver(job: DeliveryJob): Promise<void>;
  /**
   * Re-posts every firing liveness alert (LinkFailed, HeartbeatWarning) of systems that are
   * neither deleted nor suspended, ending two sync intervals ahead, so Alertmanager keeps them
   * exactly while they last. Returns how many it posted.
   */
  syncLivenessAlerts(runner?: Sql): Promise<number>;
  /** syncLivenessAlerts once per cluster: whoever holds the lock posts; the others skip this round (0). */
  syncLivenessAlertsOnce(): Promise<number>;
  /** Sends a test event to a webhook now and reports what it answered. */
  test(organizationId: string, webhookId: string): Promise<{ delivered: boolean; status: number | null; error: string | null }>;
}

/**
 * Sends alerts to their organization's webhooks (signed JSON) and to Alertmanager, each as a
 * durable job of its own, enqueued in the transaction that raised or resolved the alert: a
 * failed delivery is retried with backoff, then dead-lettered, without holding up the others.
 */
export function createAlertDeliveries(deps: AlertDeliveriesDeps): AlertDeliveries {
  /** An alert without an end of its own (liveness) is sent to end two sync intervals ahead; the sync re-posts it. */
  const refreshedEnd = () => new Date(deps.clock.now().getTime() + 2 * deps.syncIntervalSeconds * 1000);
  const alertmanagerAlertsUrl = deps.alertmanagerUrl ? `${deps.alertmanagerUrl.replace(/\/+$/, '')}/api/v2/alerts` : undefined;

  /** The deliveries alerts of these organizations need: every webhook of theirs, and Alertmanager when set and asked for. */
  async function deliveryTargets(tx: Sql, organizationIds: readonly string[], toAlertmanager: boolean): Promise<Map<string, DeliveryTarget[]>> {
    const alertmanager = toAlertmanager && alertmanagerAlertsUrl !== undefined;
    const webhooks = await deps.webhooks.idsByOrganization(tx, organizationIds);
    return new Map(
      [...webhooks].map(([organizationId, ids]) => [
        organizationId,
        [...ids.map((webhookId) => ({ kind: 'webhook' as const, webhookId })), ...(alertmanager ? [{ kind: 'alertmanager' as const }] : [])],
      ]),
    );
  }

  async function sendToWebhook(webhook: { url: string; secret: string }, payload: unknown): Promise<number> {
    const body = JSON.stringify(payload);
    return postJson(webhook.url, body, { 'x-muster-signature': signature(body, webhook.secret) });
  }

  async function syncLivenessAlerts(runner?: Sql): Promise<number> {
    if (!alertmanagerAlertsUrl) return 0;
    const firing = await deps.store.firingOpenEndedAlerts(runner);
    const endsAt = refreshedEnd();
    for (let start = 0; start < firing.length; start += SYNC_BATCH) {
      const batch = firing.slice(start, start + SYNC_BATCH).map((alert) => alertmanagerAlert({ ...alert, endsAt }));
      await postJson(alertmanagerAlertsUrl, JSON.stringify(batch));
    }
    return firing.length;
  }

  return {
    async enqueue(tx: Sql, alert: { id: string; organizationId: string }, toAlertmanager: boolean): Promise<void> {
      for (const target of (await deliveryTargets(tx, [alert.organizationId], toAlertmanager)).get(alert.organizationId)!) {
        await deps.jobs.enqueue(tx, DELIVERY_QUEUE, { alertId: alert.id, target } satisfies DeliveryJob);
      }
    },

    async enqueueMany(tx: Sql, alerts: readonly { id: string; organizationId: string }[], toAlertmanager: boolean): Promise<void> {
      if (alerts.length === 0) return;
      const targets = await deliveryTargets(tx, [...new Set(alerts.map((alert) => alert.organizationId))], toAlertmanager);
      const jobs = alerts.flatMap((alert) =>
        targets.get(alert.organizationId)!.map((target) => ({ data: { alertId: alert.id, target } satisfies DeliveryJob })),
      );
      await deps.jobs.enqueueMany(tx, DELIVERY_QUEUE, jobs);
    },

    async deliver(job: DeliveryJob): Promise<void> {
      const alert = await deps.store.findById(job.alertId);
      if (!alert) return; // its system was destroyed
      if (job.target.kind === 'webhook') {
        // Silenced: the delivery is done (not retried), as Alertmanager drops a silenced notification.
        if (await deps.muted?.(alert)) return;
        const webhook = await deps.webhooks.findForDelivery(job.target.webhookId);
        if (!webhook) return; // deleted meanwhile
        await sendToWebhook(webhook, webhookPayload(alert));
        return;
      }
      if (!alertmanagerAlertsUrl) return;
      await postJson(alertmanagerAlertsUrl, JSON.stringify([alertmanagerAlert({ ...alert, endsAt: alert.endsAt ?? refreshedEnd() })]));
    },

    syncLivenessAlerts,

    syncLivenessAlertsOnce(): Promise<number> {
      return deps.db.transaction(async (tx) => ((await tryAdvisoryXactLock(tx, 'alertmanager-sync')) ? syncLivenessAlerts(tx) : 0));
    },

    async test(organizationId: string, webhookId: string): Promise<{ delivered: boolean; status: number | null; error: string | null }> {
      if (!(await deps.webhooks.find(organizationId, webhookId))) throw new NotFoundError(`webhook ${webhookId} not found`);
      const now = deps.clock.now().toISOString();
      try {
        // Inside the try: a secret this node cannot decrypt is reported like any failed delivery.
        const webhook = await deps.webhooks.findForDelivery(webhookId);
        if (!webhook) throw new NotFoundError(`webhook ${webhookId} not found`);
        const status = await sendToWebhook(webhook, {
          event: 'test',
          alert: {
            name: 'Test',
            status: 'firing',
            severity: 'info',
            summary: 'A test delivery from Muster',
            organization_id: organizationId,
            starts_at: now,
            ends_at: now,
          },
        });
        return { delivered: true, status, error: null };
      } catch (error) {
        const message = (error as Error).message;
        const status = /answered (\d+)$/.exec(message)?.[1];
        return { delivered: false, status: status ? Number(status) : null, error: message };
      }
    },
  };
}
