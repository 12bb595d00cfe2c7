import type { Clock } from '../../clock/clock.ts';
import { tryAdvisoryXactLock, type Db, type Sql } from '../../db/db.ts';
import { createMetricAlertStatesStore } from './metric-alert-states-store.ts';
import { compares, type AlertRules, type MetricAlertRule } from './alert-rules.ts';
import type { AlertsStore } from './alerts-store.ts';
import type { AlertDeliveries } from './deliveries-service.ts';

/** A system whose latest samples are older than this has no value for the rules (it is not reporting). */
export const METRIC_ALERT_STALE_SECONDS = 600;
const LOCK = 'metric-alerts';

/** A series' latest value as the metrics store answers it. */
export interface LatestSample {
  systemId: string;
  at: Date;
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricAlertsDeps {
  db: Db;
  store: Pick<AlertsStore, 'raise' | 'resolve'>;
  rules: Pick<AlertRules, 'metrics'>;
  clock: Clock;
  deliveries: Pick<AlertDeliveries, 'enqueue'>;
  metrics: { latest(names: readonly string[], maxAgeS: number): Promise<LatestSample[]> };
}

interface Match {
  rule: MetricAlertRule;
  systemId: string;
  series: string;
  labels: Record<string, string>;
  value: number;
}

const canonical = (labels: Record<string, string>) =>
  JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));

const seriesText = (name: string, labels: Record<string, string>) => {
  const entries = Object.entries(labels);
  return entries.length === 0 ? name : `${name}{${entries.map(([key, value]) => `${key}=${value}`).join(',')}}`;
};

const duration = (seconds: number) =>
  seconds % 3600 === 0 && seconds > 0 ? `${seconds / 3600}h` : seconds % 60 === 0 && seconds > 0 ? `${seconds / 60}m` : `${seconds}s`;

/** The series whose latest values meet each rule now. */
export function matchRules(rules: readonly MetricAlertRule[], samples: readonly LatestSample[]): Match[] {
  const bySystem = new Map<string, Map<string, LatestSample[]>>();
  for (const sample of samples) {
    let names = bySystem.get(sample.systemId);
    if (!names) bySystem.set(sample.systemId, (names = new Map<string, LatestSample[]>()));
    names.set(sample.name, [...(names.get(sample.name) ?? []), sample]);
  }
  const matches: Match[] = [];
  for (const rule of rules) {
    for (const [systemId, names] of bySystem) {
      for (const sample of names.get(rule.metric) ?? []) {
        let divisor = 1;
        if (rule.dividedBy) {
          const candidates = names.get(rule.dividedBy) ?? [];
          // The divisor's series with the same labels (a GPU's total memory), else the system's only one (its cores).
          const same = candidates.find((candidate) => canonical(candidate.labels) === canonical(sample.labels));
          const only = candidates.length === 1 && Object.keys(candidates[0]!.labels).length === 0 ? candidates[0] : undefined;
          const found = same ?? only;
          if (!found || found.value === 0) continue;
          divisor = found.value;
        }
        const value = (sample.value / divisor) * rule.scale;
        if (compares(value, rule.comparison, rule.threshold)) matches.push({ rule, systemId, series: canonical(sample.labels), labels: sample.labels, value });
      }
    }
  }
  return matches;
}

/**
 * Metric alert rules (rules file, `alerts.metrics`), evaluated once per cluster on each
 * system's latest samples: a series meeting a rule is pending, then raises its alert once it
 * has for the rule's `for`; the alert is resolved when the series no longer meets it (or its
 * system stops reporting, is suspended or deleted). Raised and resolved alerts go out as all
 * alerts do (webhooks, Alertmanager), and firing ones are refreshed in Alertmanager as LinkFailed is.
 */
export function createMetricAlerts(deps: MetricAlertsDeps) {
  const { rules, clock } = deps;
  const stateStore = createMetricAlertStatesStore();
  const names = [...new Set(rules.metrics.flatMap((rule) => (rule.dividedBy ? [rule.metric, rule.dividedBy] : [rule.metric])))];

  async function raise(tx: Sql, match: Match, pendingSince: Date, now: Date): Promise<void> {
    const { rule } = match;
    const raised = await deps.store.raise(
      tx,
      {
        fingerprint: `metric:${rule.id}:${match.systemId}:${match.series}`,
        name: rule.alert,
        systemId: match.systemId,
        severity: rule.severity,
        status: 'firing',
        summary:
          rule.summary ?? `${seriesText(rule.metric, match.labels)} ${rule.dividedBy ? `per ${rule.dividedBy} ` : ''}is ${Number(match.value.toFixed(2))}`,
        description: `${rule.metric}${rule.dividedBy ? ` / ${rule.dividedBy}` : ''}${rule.scale !== 1 ? ` × ${rule.scale}` : ''} ${rule.comparison} ${rule.threshold} for ${duration(rule.forSeconds)} (metric rule ${rule.id}).`,
        labels: { ...match.labels, rule: rule.id, metric: rule.metric },
        sourceType: 'metric',
        sourceId: `${match.systemId}:${rule.id}:${match.series}:${pendingSince.getTime()}`,
        startsAt: now,
        endsAt: null,
      },
      now,
    );
    if (raised) await deps.deliveries.enqueue(tx, raised, true);
  }

  return {
    /** One evaluation; answers what changed (null: another node holds the evaluation, or there are no rules). */
    async evaluate(): Promise<{ pending: number; raised: number; resolved: number } | null> {
      if (rules.metrics.length === 0) return null;
      const matches = matchRules(rules.metrics, await deps.metrics.latest(names, METRIC_ALERT_STALE_SECONDS));
      return deps.db.transaction(async (tx) => {
        if (!(await tryAdvisoryXactLock(tx, LOCK))) return null;
        const now = clock.now();
        const key = (rule: string, systemId: string, series: string) => `${rule}\u0000${systemId}\u0000${series}`;
        const states = new Map((await stateStore.lockAll(tx)).map((state) => [key(state.rule, state.systemId, state.series), state]));
        const counts = { pending: 0, raised: 0, resolved: 0 };
        const fresh: Match[] = [];
        for (const match of matches) {
          const state = states.get(key(match.rule.id, match.systemId, match.series));
          if (!state) {
            fresh.push(match);
            continue;
          }
          states.delete(key(match.rule.id, match.systemId, match.series));
          if (state.firing) continue;
          if (now.getTime() - state.pendingSince.getTime() >= match.rule.forSeconds * 1000) {
            await raise(tx, match, state.pendingSince, now);
            await stateStore.markFiring(tx, match.rule.id, match.systemId, match.series);
            counts.raised++;
          } else counts.pending++;
        }
        for (const match of fresh) {
          // A rule without `for` fires at once.
          const firing = match.rule.forSeconds === 0;
          await stateStore.insert(tx, { rule: match.rule.id, systemId: match.systemId, series: match.series, pendingSince: now, firing });
          if (firing) {
            await raise(tx, match, now, now);
            counts.raised++;
          } else counts.pending++;
        }
        // What no longer meets its rule (or is no longer reported, or its rule is gone).
        for (const state of states.values()) {
          await stateStore.remove(tx, state);
          if (!state.firing) continue;
          const resolved = await deps.store.resolve(tx, `metric:${state.rule}:${state.systemId}:${state.series}`, now, now);
          if (resolved) {
            await deps.deliveries.enqueue(tx, resolved, true);
            counts.resolved++;
          }
        }
        return counts;
      });
    },
  };
}

export type MetricAlerts = ReturnType<typeof createMetricAlerts>;
