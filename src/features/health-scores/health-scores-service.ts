import type { Clock } from '../../clock/clock.ts';
import { computeAvailability, type Availability } from './availability.ts';
import { computeHealthScore, HEALTH_WINDOW_MS, type HealthInputs, type HealthScore } from './health-score.ts';
import type { HealthStore } from './health-scores-store.ts';

export interface SystemHealth extends HealthScore {
  systemId: string;
  inputs: HealthInputs;
}

export interface HealthServiceDeps {
  store: HealthStore;
  clock: Clock;
}

export interface HealthService {
  /** The system's liveness over the `windowMs` before now; undefined when it does not exist. */
  availability(systemId: string, windowMs: number): Promise<{ from: Date; to: Date; availability: Availability } | undefined>;
  /** Scores of the given systems (unknown ids are left out). */
  /** Scores of the systems among `ids` (those in `organizationIds` when given). */
  scores(ids: readonly string[], organizationIds?: readonly string[]): Promise<SystemHealth[]>;
}

/** Availability over a window and health scores, for one system or a page of them. */
export function createHealthService({ store, clock }: HealthServiceDeps): HealthService {
  async function availabilities(ids: readonly string[], from: Date, to: Date): Promise<Map<string, Availability>> {
    const [subjects, startStatuses, transitions] = await Promise.all([store.subjects(ids), store.statusesAt(ids, from), store.transitions(ids, from, to)]);
    const result = new Map<string, Availability>();
    for (const subject of subjects) {
      result.set(
        subject.id,
        computeAvailability({
          from,
          to,
          createdAt: subject.createdAt,
          statusAtStart: startStatuses.get(subject.id) ?? 'unknown',
          changes: transitions.get(subject.id) ?? [],
        }),
      );
    }
    return result;
  }

  return {
    async availability(systemId: string, windowMs: number): Promise<{ from: Date; to: Date; availability: Availability } | undefined> {
      const to = clock.now();
      const from = new Date(to.getTime() - windowMs);
      const availability = (await availabilities([systemId], from, to)).get(systemId);
      return availability ? { from, to, availability } : undefined;
    },

    async scores(ids: readonly string[], organizationIds?: readonly string[]): Promise<SystemHealth[]> {
      const now = clock.now();
      const since = new Date(now.getTime() - HEALTH_WINDOW_MS);
      const [subjects, windows, changes, alerts] = await Promise.all([
        store.subjects(ids, organizationIds),
        availabilities(ids, since, now),
        store.significantChanges(ids, since),
        store.firingAlerts(ids),
      ]);
      return subjects.map((subject) => {
        const changeCounts = changes.get(subject.id) ?? {};
        const alertCounts = alerts.get(subject.id) ?? {};
        const inputs: HealthInputs = {
          registered: subject.registeredAt !== null,
          activeRatio: windows.get(subject.id)?.activeRatio ?? null,
          inventoryAgeMs: subject.lastInventoryAt ? Math.max(0, now.getTime() - subject.lastInventoryAt.getTime()) : null,
          changes: { critical: changeCounts.critical ?? 0, high: changeCounts.high ?? 0, medium: changeCounts.medium ?? 0 },
          firingAlerts: { critical: alertCounts.critical ?? 0, high: alertCounts.high ?? 0, warning: (alertCounts.warning ?? 0) + (alertCounts.medium ?? 0) },
        };
        return { systemId: subject.id, inputs, ...computeHealthScore(inputs) };
      });
    },
  };
}
