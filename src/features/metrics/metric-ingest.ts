import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import { createGroupCommit } from '../../db/group-commit.ts';
import { ServiceUnavailableError } from '../../errors/errors.ts';
import { createFailureLog } from '../../logging/failure-log.ts';
import { layoutHash, type SampleSet } from './metric-samples.ts';
import type { MetricsStore, NewLayout, SampleRow } from './metrics-store.ts';

/** Samples older than this when stored reopen their rollup bucket (it may have been rolled up already). */
export const LATE_AFTER_MS = 60_000;

export interface MetricIngestOptions {
  store: Pick<MetricsStore, 'layouts' | 'insertSamples' | 'ensurePartition' | 'partitionOf'>;
  clock: Clock;
  logger: Logger;
  maxBatchSize: number;
  maxPending: number;
  maxConcurrentWrites: number;
  /** Layout ids remembered (system and series set → id), so a known layout costs no query. */
  layoutCacheSize: number;
  /** After each committed batch, with its samples (the remote writer's feed). */
  onBatchWritten?: (batch: readonly IngestedSamples[], seconds: number) => void;
}

export interface IngestedSamples {
  systemId: string;
  organizationId: string;
  at: Date;
  set: SampleSet;
}

interface Pending extends IngestedSamples {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Group commit of metric samples (as the heartbeat batcher's, ADR 0004): what arrives while a
 * batch is written goes out in the next one, one statement storing every sample and each
 * system's latest; a request is answered once the statement carrying its samples committed.
 */
export function createMetricIngest(options: MetricIngestOptions) {
  const { store } = options;
  const logFailure = createFailureLog(options.logger);
  // Each system's latest layout (its series keys and id): a report like the last one costs a string comparison.
  const layoutIds = new Map<string, { key: string; id: string }>();
  const partitions = new Set<string>();
  let pending: Pending[] = [];
  /** Submitted and not yet answered: waiting, or in a batch being written. */
  let inFlight = 0;

  function rememberLayout(systemId: string, key: string, id: string): void {
    layoutIds.delete(systemId);
    if (layoutIds.size >= options.layoutCacheSize) layoutIds.delete(layoutIds.keys().next().value!);
    layoutIds.set(systemId, { key, id });
  }

  const known = (entry: IngestedSamples): string | undefined => {
    const cached = layoutIds.get(entry.systemId);
    return cached?.key === entry.set.layoutKey ? cached.id : undefined;
  };

  async function ensurePartitions(batch: readonly Pending[]): Promise<void> {
    for (const entry of batch) {
      const partition = store.partitionOf('metric_samples', entry.at);
      if (partitions.has(partition.name)) continue;
      await store.ensurePartition(partition);
      partitions.add(partition.name);
    }
  }

  async function resolveLayouts(batch: readonly Pending[]): Promise<string[]> {
    const ids: (string | undefined)[] = batch.map(known);
    const missing = new Map<string, { layout: NewLayout; key: string }>();
    batch.forEach((entry, i) => {
      if (ids[i] !== undefined) return;
      const hash = layoutHash(entry.set);
      const id = `${entry.systemId}/${hash}`;
      if (!missing.has(id)) missing.set(id, { key: entry.set.layoutKey, layout: { systemId: entry.systemId, hash, series: entry.set.series, at: entry.at } });
    });
    if (missing.size > 0) {
      const found = await store.layouts([...missing.values()].map((m) => m.layout));
      // Inserted by another node while this statement ran: its snapshot did not see the row, a new statement does.
      const raced = [...missing].filter(([id]) => !found.has(id)).map(([, m]) => m.layout);
      if (raced.length > 0) for (const [id, layoutId] of await store.layouts(raced)) found.set(id, layoutId);
      for (const [id, m] of missing) {
        const layoutId = found.get(id);
        if (layoutId !== undefined) rememberLayout(m.layout.systemId, m.key, layoutId);
      }
      batch.forEach((entry, i) => {
        ids[i] ??= found.get(`${entry.systemId}/${layoutHash(entry.set)}`);
      });
    }
    return ids.map((id, i) => {
      if (id === undefined) throw new Error(`layout of system ${batch[i]!.systemId} was not stored`);
      return id;
    });
  }

  async function write(batch: Pending[]): Promise<() => void> {
    const started = performance.now();
    try {
      await ensurePartitions(batch);
      const layouts = await resolveLayouts(batch);
      const rows: SampleRow[] = batch.map((entry, i) => ({ systemId: entry.systemId, at: entry.at, layoutId: layouts[i]!, values: entry.set.values }));
      await store.insertSamples(rows, new Date(options.clock.now().getTime() - LATE_AFTER_MS));
    } catch (error) {
      inFlight -= batch.length;
      // A partition dropped by retention, or a layout gone with its system: forget what may be stale.
      partitions.clear();
      layoutIds.clear();
      return () => {
        logFailure(error, { batchSize: batch.length }, 'metric samples could not be stored');
        const unavailable = new ServiceUnavailableError('failed to store metrics', 1);
        for (const entry of batch) entry.reject(unavailable);
      };
    }
    inFlight -= batch.length;
    const seconds = (performance.now() - started) / 1000;
    return () => {
      for (const entry of batch) entry.resolve();
      options.onBatchWritten?.(batch, seconds);
    };
  }

  const commits = createGroupCommit({
    maxConcurrentWrites: options.maxConcurrentWrites,
    hasWaiting: () => pending.length > 0,
    takeBatch: () => {
      const batch = pending.slice(0, options.maxBatchSize);
      pending = pending.slice(batch.length);
      return batch;
    },
    write,
  });

  return {
    /** Resolves once the samples are committed; rejects with a 503 when they cannot be stored now. */
    submit(system: { id: string; organizationId: string }, at: Date, set: SampleSet): Promise<void> {
      if (set.values.length === 0) return Promise.resolve();
      if (inFlight >= options.maxPending) {
        return Promise.reject(new ServiceUnavailableError('too many metric samples waiting to be stored; retry shortly', 1));
      }
      return new Promise<void>((resolve, reject) => {
        pending.push({ systemId: system.id, organizationId: system.organizationId, at, set, resolve, reject });
        inFlight++;
        commits.schedule();
      });
    },

    drain: commits.drain,
  };
}

export type MetricIngest = ReturnType<typeof createMetricIngest>;
