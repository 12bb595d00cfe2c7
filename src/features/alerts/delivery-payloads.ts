import { createHmac } from 'node:crypto';
import type { Sql } from '../../db/db.ts';
import type { Alert } from './alerts-store.ts';

export const DELIVERY_QUEUE = 'alerts.deliver';
const DELIVERY_TIMEOUT_MS = 10_000;

export type DeliveryTarget = { kind: 'webhook'; webhookId: string } | { kind: 'alertmanager' };
export interface DeliveryJob {
  alertId: string;
  target: DeliveryTarget;
}

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The alert as webhooks receive it. */
export function webhookPayload(alert: Alert) {
  return {
    event: alert.status === 'firing' ? 'alert.firing' : 'alert.resolved',
    alert: {
      id: alert.id,
      name: alert.name,
      status: alert.status,
      severity: alert.severity,
      summary: alert.summary,
      system_id: alert.systemId,
      organization_id: alert.organizationId,
      labels: alert.labels,
      annotations: alert.annotations,
      starts_at: alert.startsAt.toISOString(),
      ends_at: alert.endsAt ? alert.endsAt.toISOString() : null,
    },
  };
}

/** One alert as Alertmanager's API v2 takes it; `endsAt` omitted lets Alertmanager apply its own timeout. */
export function alertmanagerAlert(alert: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: Date; endsAt: Date | null }) {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt.toISOString(),
    ...(alert.endsAt ? { endsAt: alert.endsAt.toISOString() } : {}),
  };
}

/** POSTs JSON; throws (so the job is retried) on a network error or a non-2xx answer. */
export async function postJson(url: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Muster', ...headers },
    body,
    signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    redirect: 'error',
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.status;
}

/** The deliveries an alert needs: every webhook of its organization, and Alertmanager when set. */
export async function deliveryTargets(tx: Sql, organizationId: string, alertmanager: boolean): Promise<DeliveryTarget[]> {
  const { rows } = await tx.query<{ id: string }>('SELECT id FROM webhooks WHERE organization_id = $1', [organizationId]);
  return [...rows.map((row) => ({ kind: 'webhook' as const, webhookId: row.id })), ...(alertmanager ? [{ kind: 'alertmanager' as const }] : [])];
}

/** deliveryTargets for several organizations in one statement: each one's targets, by organization id. */
export async function deliveryTargetsOf(tx: Sql, organizationIds: readonly string[], alertmanager: boolean): Promise<Map<string, DeliveryTarget[]>> {
  const { rows } = await tx.query<{ id: string; organization_id: string }>('SELECT id, organization_id FROM webhooks WHERE organization_id = ANY($1::uuid[])', [organizationIds]);
  const targets = new Map(organizationIds.map((organizationId) => [organizationId, [] as DeliveryTarget[]]));
  for (const row of rows) targets.get(row.organization_id)?.push({ kind: 'webhook', webhookId: row.id });
  if (alertmanager) for (const list of targets.values()) list.push({ kind: 'alertmanager' });
  return targets;
}
