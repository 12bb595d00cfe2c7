import { createHmac } from 'node:crypto';
import { presentAlert } from './alerts-presenter.ts';
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
  const { source, updated_at, ...presented } = presentAlert(alert);
  return { event: alert.status === 'firing' ? 'alert.firing' : 'alert.resolved', alert: presented };
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
