/** The time ranges the Metrics tab offers, and the step that draws about TARGET_POINTS points over one. */

const HOUR_S = 3600;
export const TARGET_POINTS = 300;

export const RANGES = [
  ['1h', '1 h', HOUR_S],
  ['6h', '6 h', 6 * HOUR_S],
  ['24h', '24 h', 24 * HOUR_S],
  ['7d', '7 d', 7 * 24 * HOUR_S],
  ['30d', '30 d', 30 * 24 * HOUR_S],
] as const;
export type RangeName = (typeof RANGES)[number][0];

/** A preset ending now, or a custom from/to (ISO). */
export type MetricRange = { kind: 'preset'; name: RangeName } | { kind: 'custom'; from: string; to: string };

export interface RangeBounds {
  from: Date;
  to: Date;
  step: number;
}

/**
 * Seconds per point for a range: about TARGET_POINTS points, never under a minute (agents report
 * about once a minute), and a whole number of 5-minute or hourly buckets once a step is that long,
 * so that the server answers from its rollups rather than from raw samples.
 */
export function stepFor(rangeSeconds: number): number {
  const wanted = rangeSeconds / TARGET_POINTS;
  const unit = wanted >= HOUR_S ? HOUR_S : wanted >= 300 ? 300 : 60;
  return Math.max(60, Math.ceil(wanted / unit) * unit);
}

export function rangeBounds(range: MetricRange, now: number = Date.now()): RangeBounds {
  let from: Date;
  let to: Date;
  if (range.kind === 'preset') {
    const seconds = RANGES.find(([name]) => name === range.name)![2];
    to = new Date(now);
    from = new Date(now - seconds * 1000);
  } else {
    from = new Date(range.from);
    to = new Date(range.to);
  }
  return { from, to, step: stepFor((to.getTime() - from.getTime()) / 1000) };
}
