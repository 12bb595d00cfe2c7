import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { createRequestMetrics } from './request-metrics.ts';

export type StatusCounter = () => Promise<Record<string, number>>;
/** Bytes held now and the ceiling, per bounded pool of memory. */
export type MemoryReader = () => Record<string, { used: number; limit: number }>;
export type JobStatusReader = () => Promise<{ name: string; queued: number; active: number; dead: number }[]>;

const STATUS_COUNT_MAX_AGE_MS = 10_000;

/** Every Prometheus metric Muster exposes, in its own registry so tests can build many apps. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  let countSystemsByStatus: StatusCounter | undefined;
  let readJobStatus: JobStatusReader | undefined;
  let readMemory: MemoryReader = () => ({});
  let countSetAside: (() => Promise<number>) | undefined;
  // Counting a large fleet takes a while (about half a second for a million systems on
  // PostgreSQL); scrapes within STATUS_COUNT_MAX_AGE_MS of each other share one count.
  let lastCount: { at: number; counts: Promise<Record<string, number>> } | undefined;
  const currentCounts = (counter: StatusCounter) => {
    if (!lastCount || Date.now() - lastCount.at > STATUS_COUNT_MAX_AGE_MS) {
      const counts = counter();
      lastCount = { at: Date.now(), counts };
      counts.catch(() => (lastCount = undefined));
    }
    return lastCount.counts;
  };

  const requests = createRequestMetrics(registry);

  return {
    registry,
    /** Counts one answered request and its duration. */
    observeRequest: requests.observe,
    metricSamplesStored: new Counter({
      name: 'muster_metric_samples_stored_total',
      help: 'Metric samples committed to the metrics store',
      registers: [registry],
    }),
    remoteWriteSamplesSent: new Counter({
      name: 'muster_remote_write_samples_sent_total',
      help: 'Metric samples accepted by the remote-write endpoint (METRICS_REMOTE_WRITE_URL)',
      registers: [registry],
    }),
    remoteWriteSamplesDropped: new Counter({
      name: 'muster_remote_write_samples_dropped_total',
      help: 'Metric samples not forwarded, by reason: queue_full (the endpoint was too slow or down for too long), rejected (a 4xx), stopped (still queued at shutdown)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    remoteWriteFailedAttempts: new Counter({
      name: 'muster_remote_write_failed_attempts_total',
      help: 'Remote-write requests that failed and were retried or dropped',
      registers: [registry],
    }),
    heartbeatsAccepted: new Counter({
      name: 'muster_heartbeats_accepted_total',
      help: 'Heartbeats committed to the database and acknowledged',
      registers: [registry],
    }),
    heartbeatsRejected: new Counter({
      name: 'muster_heartbeats_rejected_total',
      help: 'Heartbeats refused, by reason: unauthorized (401) or unavailable (503: database down or overloaded)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    heartbeatBatchSize: new Histogram({
      name: 'muster_heartbeat_batch_size',
      help: 'Heartbeats written per group commit',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers: [registry],
    }),
    heartbeatWriteDuration: new Histogram({
      name: 'muster_heartbeat_write_seconds',
      help: 'Time to write and commit one heartbeat batch',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    inventoryBatchSize: new Histogram({
      name: 'muster_inventory_batch_size',
      help: 'Inventories stored per ingest transaction (group commit)',
      buckets: [1, 2, 5, 10, 25, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    inventoryWriteDuration: new Histogram({
      name: 'muster_inventory_write_seconds',
      help: 'Time to store and commit one batch of inventories with their jobs',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    livenessTransitions: new Counter({
      name: 'muster_liveness_transitions_total',
      help: 'Liveness transitions recorded by the scanner, by new status',
      labelNames: ['to'] as const,
      registers: [registry],
    }),
    systemsByStatus: new Gauge({
      name: 'muster_systems',
      help: 'Systems that are not deleted, by liveness status',
      labelNames: ['status'] as const,
      registers: [registry],
      async collect() {
        if (!countSystemsByStatus) return;
        // Without the database (an outage) the scrape still answers, without this gauge.
        const counts = await currentCounts(countSystemsByStatus).catch(() => this.reset());
        if (!counts) return;
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    }),
    jobs: new Gauge({
      name: 'muster_jobs',
      help: 'Background jobs by queue and state: queued (waiting or retrying), active, dead (retries exhausted)',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      async collect() {
        if (!readJobStatus) return;
        const queues = await readJobStatus().catch(() => this.reset());
        for (const queue of queues ?? []) {
          this.set({ queue: queue.name, state: 'queued' }, queue.queued);
          this.set({ queue: queue.name, state: 'active' }, queue.active);
          this.set({ queue: queue.name, state: 'dead' }, queue.dead);
        }
      },
    }),
    boundedMemory: new Gauge({
      name: 'muster_bounded_memory_bytes',
      help: 'Bytes held by each bounded pool of memory (request bodies in flight, inventory caches; caches count an estimate of the parsed size)',
      labelNames: ['pool'] as const,
      registers: [registry],
      collect() {
        for (const [pool, { used }] of Object.entries(readMemory())) this.set({ pool }, used);
      },
    }),
    boundedMemoryLimit: new Gauge({
      name: 'muster_bounded_memory_limit_bytes',
      help: 'The ceiling of each bounded pool of memory; past it requests get 503 (bodies) or older entries are dropped (caches)',
      labelNames: ['pool'] as const,
      registers: [registry],
      collect() {
        for (const [pool, { limit }] of Object.entries(readMemory())) this.set({ pool }, limit);
      },
    }),
    inventorySetAside: new Gauge({
      name: 'muster_inventory_set_aside',
      help: 'Systems whose latest inventory that processing could not handle is set aside (GET /api/v1/systems/:id/inventory/set-aside)',
      registers: [registry],
      async collect() {
        if (!countSetAside) return;
        // Left out while the database does not answer, so /metrics still answers.
        const count = await countSetAside().catch(() => undefined);
        if (count === undefined) this.reset();
        else this.set(count);
      },
    }),
    setSetAsideCounter(counter: () => Promise<number>): void {
      countSetAside = counter;
    },
    /** Supplies the pools of the bounded-memory gauges, read at each scrape. */
    setMemoryReader(reader: MemoryReader): void {
      readMemory = reader;
    },
    setJobStatusReader(reader: JobStatusReader): void {
      readJobStatus = reader;
    },
    /** Lets the systems feature supply the per-status counts read at each scrape. */
    setSystemStatusCounter(counter: StatusCounter): void {
      countSystemsByStatus = counter;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
