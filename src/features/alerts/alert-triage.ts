import type { Clock } from '../../clock/clock.ts';
import { AppError, ConflictError, NotFoundError } from '../../errors/errors.ts';
import { silenceKey, type AlertSilence, type AlertSilencesStore } from './alert-silences-store.ts';
import type { Alert, AlertsStore } from './alerts-store.ts';

/** How long an Alertmanager call may take before the operator is told it is unavailable. */
const ALERTMANAGER_TIMEOUT_MS = 5000;
export const MAX_SILENCE_MINUTES = 30 * 24 * 60;

export interface AlertTriageDeps {
  clock: Clock;
  store: Pick<AlertsStore, 'findById' | 'setAcknowledgement'>;
  silences: AlertSilencesStore;
  /** Base URL of Alertmanager (ALERTMANAGER_URL): silences are also made there when set. */
  alertmanagerUrl: string | undefined;
}

/** An alert with the silence in force for its rule on its system, if any. */
export type TriagedAlert = { alert: Alert; silence: AlertSilence | null };

/**
 * What operators do with alerts: acknowledge one (who, when, why), and silence its rule on its
 * system for a while — in Alertmanager when one is configured, and always in Muster, whose
 * webhooks stay quiet meanwhile.
 */
export function createAlertTriage(deps: AlertTriageDeps) {
  const { clock, store, silences } = deps;
  const alertmanager = deps.alertmanagerUrl?.replace(/\/+$/, '');

  async function alertOfSystem(systemId: string, alertId: string): Promise<Alert> {
    const alert = await store.findById(alertId);
    if (!alert || alert.systemId !== systemId) throw new NotFoundError(`alert ${alertId} not found`);
    return alert;
  }

  async function callAlertmanager(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${alertmanager}/api/v2${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(ALERTMANAGER_TIMEOUT_MS),
        redirect: 'error',
      });
    } catch {
      throw new AppError(502, 'alertmanager is unavailable');
    }
    const text = await response.text();
    // An expired or unknown silence is already what was asked for.
    if (method === 'DELETE' && response.status === 404) return null;
    if (!response.ok) throw new AppError(502, `alertmanager answered ${response.status}`);
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** Each alert with the silence in force for it (one query for them all). */
  async function withSilences(alerts: readonly Alert[]): Promise<TriagedAlert[]> {
    const keys = alerts.flatMap((alert) => (alert.systemId ? [{ systemId: alert.systemId, name: alert.name }] : []));
    const active = await silences.active(keys, clock.now());
    return alerts.map((alert) => ({ alert, silence: (alert.systemId && active.get(silenceKey(alert.systemId, alert.name))) || null }));
  }
  const triaged = async (alert: Alert): Promise<TriagedAlert> => (await withSilences([alert]))[0]!;

  return {
    withSilences,

    async acknowledge(systemId: string, alertId: string, by: string, comment: string): Promise<TriagedAlert> {
      const alert = await alertOfSystem(systemId, alertId);
      if (alert.status !== 'firing') throw new ConflictError('only a firing alert can be acknowledged');
      const now = clock.now();
      return triaged((await store.setAcknowledgement(alert.id, { at: now, by, comment }, now))!);
    },

    async unacknowledge(systemId: string, alertId: string): Promise<TriagedAlert> {
      const alert = await alertOfSystem(systemId, alertId);
      return triaged((await store.setAcknowledgement(alert.id, null, clock.now()))!);
    },

    /** Silences the alert's rule on its system for `minutes` (Alertmanager first, so a refusal there stores nothing). */
    async silence(systemId: string, alertId: string, by: string, minutes: number, comment: string): Promise<TriagedAlert> {
      const alert = await alertOfSystem(systemId, alertId);
      const startsAt = clock.now();
      const endsAt = new Date(startsAt.getTime() + minutes * 60_000);
      let alertmanagerSilenceId: string | null = null;
      if (alertmanager) {
        const matchers = [
          { name: 'alertname', value: alert.name, isRegex: false, isEqual: true },
          { name: 'system_id', value: systemId, isRegex: false, isEqual: true },
        ];
        const answer = (await callAlertmanager('POST', '/silences', {
          matchers,
          startsAt: startsAt.toISOString(),
          endsAt: endsAt.toISOString(),
          createdBy: by,
          comment: comment || `Silenced from Muster for ${minutes} minutes`,
        })) as { silenceID?: string } | null;
        alertmanagerSilenceId = answer?.silenceID ?? null;
      }
      const silence = await silences.insert(
        {
          organizationId: alert.organizationId,
          systemId,
          name: alert.name,
          alertId: alert.id,
          startsAt,
          endsAt,
          comment,
          createdBy: by,
          alertmanagerSilenceId,
        },
        startsAt,
      );
      return { alert, silence };
    },

    /** Ends the silences in force for the alert's rule on its system, in Alertmanager too. */
    async unsilence(systemId: string, alertId: string): Promise<TriagedAlert> {
      const alert = await alertOfSystem(systemId, alertId);
      const now = clock.now();
      // Alertmanager's first: should it fail, Muster's silence stays, as Alertmanager's does.
      const current = (await triaged(alert)).silence;
      if (alertmanager && current?.alertmanagerSilenceId) await callAlertmanager('DELETE', `/silence/${encodeURIComponent(current.alertmanagerSilenceId)}`);
      await silences.expire(systemId, alert.name, now);
      return { alert, silence: null };
    },

    /** Whether Muster's own deliveries of the alert are muted now. */
    async muted(alert: Alert): Promise<boolean> {
      return (await triaged(alert)).silence !== null;
    },
  };
}

export type AlertTriage = ReturnType<typeof createAlertTriage>;
