import type { Clock } from '../../clock/clock.ts';
import { BadRequestError } from '../../errors/errors.ts';
import type { MetricRetention } from './metric-rollups.ts';
import { seriesMatches, type SeriesKey } from './metric-samples.ts';
import type { LatestValue, MetricsStore, Rollup, SeriesPick, StoredPoint } from './metrics-store.ts';

export type Resolution = 'raw' | Rollup;
export const AGGREGATES = ['avg', 'min', 'max', 'last'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** Most points one series of an answer may hold. */
export const MAX_POINTS = 11_000;
/** Points an answer aims at when no step is asked for. */
const DEFAULT_POINTS = 360;
const NICE_STEPS_S = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 604_800];

export interface SeriesQuery {
  systemId: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  from: Date;
  to: Date;
  /** Seconds per point; chosen from the range when undefined. */
  step?: number | undefined;
  aggregate: Aggregate;
}

export interface SeriesAnswer {
  name: string;
  step: number;
  resolution: Resolution;
  series: { labels: Record<string, string>; points: [number, number][] }[];
}

export interface SeriesSummary {
  name: string;
  labels: Record<string, string>;
  firstAt: Date;
  lastAt: Date;
}

interface Accumulator {
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  lastAt: number;
}

const BUCKET_S: Record<Resolution, number> = { raw: 0, '5m': 300, '1h': 3600 };

/**
 * Reads of the metrics store: a system's series, one metric's series over a range at a step
 * (from the coarsest stored resolution that fits, the part not rolled up yet from the finer
 * ones), and the fleet's top systems by a metric's latest value.
 */
export function createMetricsQueries(deps: { store: MetricsStore; clock: Clock; retention: MetricRetention }) {
  const { store, clock } = deps;
  const retentionMs: Record<Resolution, number> = { raw: deps.retention.rawMs, '5m': deps.retention.fiveMinuteMs, '1h': deps.retention.hourMs };

  function defaultStep(rangeS: number): number {
    const wanted = rangeS / DEFAULT_POINTS;
    return NICE_STEPS_S.find((step) => step >= wanted) ?? NICE_STEPS_S.at(-1)!;
  }

  /** The coarsest resolution whose buckets fit in a step and which still holds `from`; raw when none does. */
  function resolutionFor(step: number, from: Date): Resolution {
    const age = clock.now().getTime() - from.getTime();
    for (const resolution of ['1h', '5m'] as const) if (BUCKET_S[resolution] <= step && age <= retentionMs[resolution]) return resolution;
    return 'raw';
  }

  /** The stored rows over [from, to): the chosen resolution up to where it is rolled up, finer ones after. */
  async function rowsFor(systemId: string, resolution: Resolution, from: Date, to: Date, picks: readonly SeriesPick[]): Promise<StoredPoint[]> {
    if (resolution === 'raw') return store.points(systemId, 'raw', from, to, picks);
    const progress = await store.peekProgress();
    const done = progress[resolution];
    const split = done ? new Date(Math.min(Math.max(done.getTime(), from.getTime()), to.getTime())) : from;
    const rolled = split > from ? await store.points(systemId, resolution, from, split, picks) : [];
    const rest = split < to ? await rowsFor(systemId, resolution === '1h' ? '5m' : 'raw', split, to, picks) : [];
    return [...rolled, ...rest];
  }

  return {
    async series(systemId: string): Promise<SeriesSummary[]> {
      const byKey = new Map<string, SeriesSummary>();
      for (const layout of await store.systemLayouts(systemId)) {
        for (const key of layout.series) {
          const id = `${key.name}\u0000${JSON.stringify(key.labels)}`;
          const known = byKey.get(id);
          if (!known) byKey.set(id, { name: key.name, labels: key.labels, firstAt: layout.firstAt, lastAt: layout.lastAt });
          else {
            if (layout.firstAt < known.firstAt) known.firstAt = layout.firstAt;
            if (layout.lastAt > known.lastAt) known.lastAt = layout.lastAt;
          }
        }
      }
      return [...byKey.values()].sort((a, b) =>
        a.name === b.name ? JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)) : a.name.localeCompare(b.name),
      );
    },

    async query(query: SeriesQuery): Promise<SeriesAnswer> {
      if (query.to <= query.from) throw new BadRequestError('`to` must be after `from`');
      const rangeS = (query.to.getTime() - query.from.getTime()) / 1000;
      const step = query.step ?? defaultStep(rangeS);
      if (rangeS / step > MAX_POINTS) throw new BadRequestError(`the range holds more than ${MAX_POINTS} steps of ${step} s; choose a larger step`);
      const resolution = resolutionFor(step, query.from);
      const stepMs = step * 1000;
      // Whole steps: the first one starts at or before `from`.
      const from = new Date(Math.floor(query.from.getTime() / stepMs) * stepMs);
      // The series asked for, numbered across the system's layouts (a series in several layouts is one).
      const picks: SeriesPick[] = [];
      const wanted: { labels: Record<string, string>; steps: Map<number, Accumulator> }[] = [];
      const numbered = new Map<string, number>();
      for (const layout of await store.layoutsOf(query.systemId)) {
        layout.series.forEach((key: SeriesKey, index) => {
          if (!seriesMatches(key, query.name, query.labels)) return;
          const id = JSON.stringify(key.labels);
          let series = numbered.get(id);
          if (series === undefined) {
            series = wanted.length;
            numbered.set(id, series);
            wanted.push({ labels: key.labels, steps: new Map() });
          }
          picks.push({ layoutId: layout.id, index, series });
        });
      }
      // `to` is included, as in Prometheus's range queries: a sample of this very moment is shown.
      const rows = await rowsFor(query.systemId, resolution, from, new Date(query.to.getTime() + 1), picks);
      for (const row of rows) {
        const bucket = Math.floor(row.atMs / stepMs) * stepMs;
        const steps = wanted[row.series]!.steps;
        const at = steps.get(bucket);
        if (!at) {
          steps.set(bucket, { count: row.samples, sum: row.avg * row.samples, min: row.min, max: row.max, last: row.last, lastAt: row.atMs });
        } else {
          at.count += row.samples;
          at.sum += row.avg * row.samples;
          if (row.min < at.min) at.min = row.min;
          if (row.max > at.max) at.max = row.max;
          if (row.atMs >= at.lastAt) {
            at.last = row.last;
            at.lastAt = row.atMs;
          }
        }
      }
      const series = wanted.filter((entry) => entry.steps.size > 0);
      const value = (at: Accumulator): number =>
        query.aggregate === 'avg' ? at.sum / at.count : query.aggregate === 'min' ? at.min : query.aggregate === 'max' ? at.max : at.last;
      return {
        name: query.name,
        step,
        resolution,
        series: series
          .map((entry) => ({
            labels: entry.labels,
            points: [...entry.steps].map(([bucket, at]): [number, number] => [bucket / 1000, value(at)]),
          }))
          .sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels))),
      };
    },

    /** Each series' latest value of these metrics, of systems that report (sampled in the last `maxAgeS` seconds). */
    latest(names: readonly string[], maxAgeS: number) {
      return store.latest(names, new Date(clock.now().getTime() - maxAgeS * 1000));
    },

    top(
      name: string,
      options: { organizationIds: readonly string[] | undefined; maxAgeS: number; limit: number; order: 'desc' | 'asc' },
    ): Promise<LatestValue[]> {
      return store.top(name, { ...options, since: new Date(clock.now().getTime() - options.maxAgeS * 1000) });
    },
  };
}

export type MetricsQueries = ReturnType<typeof createMetricsQueries>;
