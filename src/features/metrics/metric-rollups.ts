import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import { tryAdvisoryXactLock, type Db } from '../../db/db.ts';
import type { MetricTable } from './metric-partitions.ts';
import { BUCKET_SECONDS, type MetricsStore, type Rollup } from './metrics-store.ts';

/** How long after a bucket ends it is rolled up: samples committed late (a slow batch) still count. */
export const ROLLUP_GRACE_MS = 2 * 60_000;
/** Buckets rolled up per transaction: an hour of 5-minute buckets, a day of hourly ones. */
const CHUNK_MS: Record<Rollup, number> = { '5m': 3_600_000, '1h': 86_400_000 };
const STALE_PER_RUN = 10_000;
const LOCK = 'metrics-rollup';

export interface MetricRetention {
  rawMs: number;
  fiveMinuteMs: number;
  hourMs: number;
}

export interface MetricRollupsOptions {
  db: Db;
  store: MetricsStore;
  clock: Clock;
  logger: Logger;
  retention: MetricRetention;
}

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;

/**
 * The rollups and retention (ADR 0020), once per cluster: each chunk of buckets is rolled up in
 * one transaction under an advisory lock, replacing what the buckets held and moving the
 * progress on with it, so a run cut short anywhere is simply done again by the next. Buckets
 * reopened by late samples are rolled up again for their systems. Partitions are dropped once
 * past retention and rolled up into the next resolution.
 */
export function createMetricRollups(options: MetricRollupsOptions) {
  const { db, store, clock } = options;

  /** The end of what `resolution` may roll up now: complete buckets of its source. */
  async function sourceEnd(resolution: Rollup): Promise<number> {
    if (resolution === '5m') return floorTo(clock.now().getTime() - ROLLUP_GRACE_MS, BUCKET_SECONDS['5m'] * 1000);
    const progress = await store.peekProgress();
    return progress['5m'] ? floorTo(progress['5m'].getTime(), BUCKET_SECONDS['1h'] * 1000) : 0;
  }

  async function firstBucket(resolution: Rollup): Promise<number | undefined> {
    const source: MetricTable = resolution === '5m' ? 'metric_samples' : 'metric_rollups_5m';
    const [oldest] = await store.partitions(source);
    return oldest ? floorTo(oldest.from.getTime(), BUCKET_SECONDS[resolution] * 1000) : undefined;
  }

  /** Rolls up one chunk; false when there is nothing (more) to do or another node holds the lock. */
  async function rollChunk(resolution: Rollup, end: number): Promise<boolean> {
    const table: MetricTable = resolution === '5m' ? 'metric_rollups_5m' : 'metric_rollups_1h';
    const start = (await store.peekProgress())[resolution]?.getTime() ?? (await firstBucket(resolution));
    if (start === undefined || start >= end) return false;
    // Outside the transaction: PGlite runs one statement at a time, the transaction's included.
    const partition = store.partitionOf(table, new Date(start));
    await store.ensurePartition(partition);
    return db.transaction(async (tx) => {
      if (!(await tryAdvisoryXactLock(tx, LOCK))) return false;
      const done = (await store.progress(tx, resolution))?.getTime() ?? start;
      if (done >= end) return false;
      // Another node moved on meanwhile, into a partition not made yet: the next round makes it.
      if (store.partitionOf(table, new Date(done)).name !== partition.name) return true;
      const to = Math.min(end, floorTo(done, CHUNK_MS[resolution]) + CHUNK_MS[resolution]);
      await store.rollUp(tx, resolution, new Date(done), new Date(to));
      await store.setProgress(tx, resolution, new Date(to));
      return true;
    });
  }

  /** Rolls up again the buckets late samples reopened, and reopens the coarser buckets holding them. */
  async function rollStale(resolution: Rollup): Promise<number> {
    return db.transaction(async (tx) => {
      if (!(await tryAdvisoryXactLock(tx, LOCK))) return 0;
      const done = await store.progress(tx, resolution);
      if (!done) return 0;
      const stale = await store.takeStale(tx, resolution, done, STALE_PER_RUN);
      const byBucket = new Map<number, string[]>();
      for (const { systemId, bucket } of stale) byBucket.set(bucket.getTime(), [...(byBucket.get(bucket.getTime()) ?? []), systemId]);
      const length = BUCKET_SECONDS[resolution] * 1000;
      // Their partitions exist: the buckets were rolled up once, and samples older than the raw
      // retention are refused, so none reopens a bucket whose partition retention dropped.
      for (const [bucket, systemIds] of byBucket) {
        await store.rollUp(tx, resolution, new Date(bucket), new Date(bucket + length), systemIds);
      }
      if (resolution === '5m') await store.markStale(tx, '1h', stale);
      return stale.length;
    });
  }

  async function applyRetention(): Promise<number> {
    const now = clock.now().getTime();
    const progress = await store.peekProgress();
    // Never drop what the next resolution has not rolled up yet.
    const limits: [MetricTable, number][] = [
      ['metric_samples', Math.min(now - options.retention.rawMs, progress['5m']?.getTime() ?? 0)],
      ['metric_rollups_5m', Math.min(now - options.retention.fiveMinuteMs, progress['1h']?.getTime() ?? 0)],
      ['metric_rollups_1h', now - options.retention.hourMs],
    ];
    let dropped = 0;
    for (const [table, before] of limits) {
      for (const partition of await store.partitions(table)) {
        if (partition.to.getTime() > before) break;
        await store.dropPartition(partition);
        options.logger.info({ partition: partition.name }, 'metrics partition past its retention dropped');
        dropped++;
      }
    }
    return dropped;
  }

  return {
    /** One run: every rollup caught up (chunk by chunk, until `signal` aborts), then retention. */
    async runOnce(signal?: AbortSignal): Promise<{ chunks: number; stale: number; dropped: number }> {
      let chunks = 0;
      let stale = 0;
      // Today's and tomorrow's partitions exist before their first sample arrives.
      const now = clock.now();
      for (const at of [now, new Date(now.getTime() + 86_400_000)]) await store.ensurePartition(store.partitionOf('metric_samples', at));
      for (const resolution of ['5m', '1h'] as const) {
        const end = await sourceEnd(resolution);
        while (!signal?.aborted && (await rollChunk(resolution, end))) chunks++;
        if (!signal?.aborted) stale += await rollStale(resolution);
      }
      const dropped = signal?.aborted ? 0 : await applyRetention();
      return { chunks, stale, dropped };
    },
  };
}

export type MetricRollups = ReturnType<typeof createMetricRollups>;
