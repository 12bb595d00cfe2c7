/**
 * A system's health score, 0–100, from four parts (the formula is documented in the README):
 *
 *   score = 50 × availability + 20 × freshness + 15 × changes + 15 × alerts
 *
 * - availability: share of the last 7 days (since creation, if later) spent `active`;
 * - freshness: 1 when the latest inventory is at most 24 h old, falling linearly to 0 at 7 days
 *   (0 without any inventory);
 * - changes: 1 − (0.5 per critical + 0.2 per high + 0.05 per medium significant change in 7 days), at least 0;
 * - alerts: 1 − (1 per critical + 0.5 per high + 0.25 per warning/medium firing alert), at least 0.
 *
 * A system that never registered has no score (null): there is nothing to judge it on.
 */
export const HEALTH_WINDOW_MS = 7 * 86_400_000;
const FRESH_MS = 86_400_000;

export const HEALTH_WEIGHTS = { availability: 50, freshness: 20, changes: 15, alerts: 15 } as const;

export interface HealthInputs {
  registered: boolean;
  /** Share of the window spent active (0..1); null when nothing was tracked. */
  activeRatio: number | null;
  /** Age of the latest inventory in milliseconds; null without any. */
  inventoryAgeMs: number | null;
  changes: { critical: number; high: number; medium: number };
  firingAlerts: { critical: number; high: number; warning: number };
}

export type HealthGrade = 'good' | 'fair' | 'poor';

export interface HealthScore {
  score: number | null;
  grade: HealthGrade | null;
  components: { availability: number; freshness: number; changes: number; alerts: number } | null;
}

export function computeHealthScore(inputs: HealthInputs): HealthScore {
  if (!inputs.registered) return { score: null, grade: null, components: null };
  const components = {
    availability: inputs.activeRatio ?? 0,
    freshness: freshness(inputs.inventoryAgeMs),
    changes: clamp(1 - (0.5 * inputs.changes.critical + 0.2 * inputs.changes.high + 0.05 * inputs.changes.medium)),
    alerts: clamp(1 - (1 * inputs.firingAlerts.critical + 0.5 * inputs.firingAlerts.high + 0.25 * inputs.firingAlerts.warning)),
  };
  const score = Math.round(
    HEALTH_WEIGHTS.availability * components.availability +
      HEALTH_WEIGHTS.freshness * components.freshness +
      HEALTH_WEIGHTS.changes * components.changes +
      HEALTH_WEIGHTS.alerts * components.alerts,
  );
  return { score, grade: score >= 90 ? 'good' : score >= 70 ? 'fair' : 'poor', components };
}

function freshness(ageMs: number | null): number {
  if (ageMs === null) return 0;
  if (ageMs <= FRESH_MS) return 1;
  return clamp(1 - (ageMs - FRESH_MS) / (HEALTH_WINDOW_MS - FRESH_MS));
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}
