import type { Logger } from 'pino';
import { compress } from 'snappy';
import { redactQuery } from '../../logging/logger.ts';
import { encodeWriteRequest, toWriteRequest, type RemoteSample } from './remote-write-proto.ts';

/**
 * Forwards Muster's metric samples to a Prometheus remote-write 1.0 receiver (Prometheus with
 * `--web.enable-remote-write-receiver`, Mimir, VictoriaMetrics, …): an in-memory queue, drained
 * in batches sent one at a time in order, retried with backoff. See ADR 0021.
 */
export type { RemoteSample };

/** Why samples were given up: the queue was full, the receiver refused them (4xx), or the writer stopped first. */
export type RemoteDropReason = 'queue_full' | 'rejected' | 'stopped';

/** Hooks for the caller's counters (prom-client or others); each is optional. */
export interface RemoteWriterMetrics {
  samplesSent?(count: number): void;
  samplesDropped?(count: number, reason: RemoteDropReason): void;
  /** A send that will be tried again: `status` is the HTTP status, or undefined for a network error or timeout. */
  failedAttempt?(status: number | undefined): void;
}

export interface RemoteWriterOptions {
  /** The receiver's URL, e.g. `http://prometheus:9090/api/v1/write`; userinfo becomes basic auth. */
  url: string;
  logger: Logger;
  /** Beyond this many samples waiting, the oldest are dropped. */
  maxQueuedSamples?: number;
  maxBatchSamples?: number;
  /** How often a partial batch is sent; a full one goes at once. */
  flushIntervalMs?: number;
  /** For one request, answer included. */
  timeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Sent with every request (e.g. `X-Scope-OrgID`); the protocol's own headers take precedence. */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  metrics?: RemoteWriterMetrics;
}

export interface RemoteWriterStatus {
  /** Waiting, including a batch being sent. */
  queued: number;
  sent: number;
  dropped: number;
  failedAttempts: number;
  lastError?: string;
}

export interface RemoteWriter {
  /** Queues samples; never blocks, never throws. */
  push(samples: readonly RemoteSample[]): void;
  /** Sends everything queued; resolves once the queue is empty (sent, or dropped as refused), retrying meanwhile. */
  flush(): Promise<void>;
  /** Stops taking samples and sends what is queued until `deadlineMs` has passed; what is left then is dropped and counted. */
  stop(deadlineMs?: number): Promise<void>;
  status(): RemoteWriterStatus;
}

const DEFAULT_STOP_DEADLINE_MS = 5_000;
/** Warnings that could repeat many times a second (drops, failing sends) are logged at most once per this interval. */
const WARNING_INTERVAL_MS = 10_000;
const REFUSAL_BODY_CHARS = 512;

/** Splits userinfo off the URL: fetch refuses URLs that carry credentials, and they must never reach a log line. */
function parseEndpoint(url: string): { endpoint: string; logged: string; authorization?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('remote write URL is not a valid URL');
  }
  const authorization =
    parsed.username || parsed.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}`
      : undefined;
  parsed.username = '';
  parsed.password = '';
  const endpoint = parsed.toString();
  return { endpoint, logged: redactQuery(endpoint), ...(authorization ? { authorization } : {}) };
}

/** Seconds or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** A wait that `signal` ends early (resolving, not rejecting). */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

type Outcome = { kind: 'sent' } | { kind: 'refused'; status: number; body: string } | { kind: 'retry'; status?: number; error: string; afterMs?: number };

export function createRemoteWriter(options: RemoteWriterOptions): RemoteWriter {
  const { endpoint, logged, authorization } = parseEndpoint(options.url);
  const { logger, metrics = {} } = options;
  const maxQueued = Math.max(1, options.maxQueuedSamples ?? 100_000);
  const maxBatch = Math.max(1, options.maxBatchSamples ?? 2_000);
  const flushIntervalMs = options.flushIntervalMs ?? 1_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const minBackoffMs = options.minBackoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const send = options.fetch ?? fetch;
  const headers: Record<string, string> = {
    ...options.headers,
    ...(authorization ? { authorization } : {}),
    'content-encoding': 'snappy',
    'content-type': 'application/x-protobuf',
    'x-prometheus-remote-write-version': '0.1.0',
  };

  // The queue is an array read from `head`, compacted now and then, so dropping the oldest and
  // taking a batch cost no copying of the rest.
  let queue: RemoteSample[] = [];
  let head = 0;
  let inFlight = 0;
  const counts = { sent: 0, dropped: 0, failedAttempts: 0 };
  let lastError: string | undefined;
  let stopping = false;
  /** Aborted at the stop deadline: ends the request in flight and any backoff. */
  const giveUp = new AbortController();
  let draining: Promise<void> | undefined;

  const lastWarnedAt = new Map<string, number>();
  const unwarned = new Map<string, number>();
  /** Logs `message` at warn at most once per interval per kind, with how many occurrences went unlogged meanwhile. */
  function warnSometimes(kind: string, fields: Record<string, unknown>, message: string): void {
    const now = performance.now();
    if (now - (lastWarnedAt.get(kind) ?? -Infinity) < WARNING_INTERVAL_MS) {
      unwarned.set(kind, (unwarned.get(kind) ?? 0) + 1);
      return;
    }
    logger.warn({ ...fields, endpoint: logged, alsoUnlogged: unwarned.get(kind) ?? 0 }, message);
    lastWarnedAt.set(kind, now);
    unwarned.set(kind, 0);
  }

  function drop(count: number, reason: RemoteDropReason): void {
    if (count <= 0) return;
    counts.dropped += count;
    metrics.samplesDropped?.(count, reason);
  }

  const waiting = () => queue.length - head;

  function take(count: number): RemoteSample[] {
    const batch = queue.slice(head, head + count);
    head += batch.length;
    if (head > 1024 && head * 2 > queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return batch;
  }

  function push(samples: readonly RemoteSample[]): void {
    try {
      if (stopping) return drop(samples.length, 'stopped');
      for (const sample of samples) queue.push(sample);
      const excess = waiting() + inFlight - maxQueued;
      if (excess > 0) {
        const dropped = take(Math.min(excess, waiting())).length;
        drop(dropped, 'queue_full');
        warnSometimes('queue_full', { dropped, maxQueuedSamples: maxQueued }, 'remote write queue full: dropped the oldest samples');
      }
      if (waiting() >= maxBatch) void drain(false);
    } catch (error) {
      logger.error({ err: error }, 'remote write could not queue samples');
    }
  }

  /** One attempt at sending `body`. */
  async function attempt(body: Buffer): Promise<Outcome> {
    try {
      const response = await send(endpoint, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), giveUp.signal]),
      });
      const text = await response.text().catch(() => '');
      if (response.ok) return { kind: 'sent' };
      if (response.status === 429 || response.status >= 500) {
        const afterMs = retryAfterMs(response.headers.get('retry-after'));
        return { kind: 'retry', status: response.status, error: `HTTP ${response.status}`, ...(afterMs === undefined ? {} : { afterMs }) };
      }
      return { kind: 'refused', status: response.status, body: text.slice(0, REFUSAL_BODY_CHARS) };
    } catch (error) {
      return { kind: 'retry', error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Sends one batch until it is delivered, refused, or the stop deadline passes (then it counts as dropped). */
  async function deliver(batch: RemoteSample[]): Promise<void> {
    // snappy's async compress runs on libuv's thread pool, off the event loop (ADR 0021).
    const body = await compress(encodeWriteRequest(toWriteRequest(batch)));
    for (let failures = 0; ; failures++) {
      if (giveUp.signal.aborted) return drop(batch.length, 'stopped');
      const outcome = await attempt(body);
      if (outcome.kind === 'sent') {
        counts.sent += batch.length;
        metrics.samplesSent?.(batch.length);
        if (failures > 0) logger.info({ endpoint: logged, failedAttempts: failures }, 'remote write delivering again');
        return;
      }
      if (outcome.kind === 'refused') {
        // 4xx other than 429: the receiver will refuse this batch however often it is sent.
        lastError = `HTTP ${outcome.status}: ${outcome.body}`;
        drop(batch.length, 'rejected');
        logger.warn({ endpoint: logged, status: outcome.status, body: outcome.body, samples: batch.length }, 'remote write refused a batch: dropped');
        return;
      }
      if (giveUp.signal.aborted) return drop(batch.length, 'stopped');
      counts.failedAttempts++;
      lastError = outcome.error;
      metrics.failedAttempt?.(outcome.status);
      // Full jitter: a random wait up to the exponential cap, so a fleet of writers spreads out.
      const backoffMs = Math.random() * Math.min(maxBackoffMs, minBackoffMs * 2 ** Math.min(failures, 30));
      // Retry-After is kept within [minBackoffMs, maxBackoffMs]: a receiver answering 0 must not
      // be asked in a busy loop, and one asking for an hour is asked again sooner.
      const delayMs = outcome.afterMs === undefined ? backoffMs : Math.min(Math.max(outcome.afterMs, minBackoffMs), maxBackoffMs);
      warnSometimes('retry', { error: outcome.error, retryInMs: Math.round(delayMs) }, 'remote write failed: will retry');
      await wait(delayMs, giveUp.signal);
    }
  }

  /**
   * Sends batches one at a time, in order; one drain at a time. With `all`, until the queue is
   * empty, else only full batches (a partial one waits for the flush interval).
   */
  function drain(all: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      while (waiting() >= (all ? 1 : maxBatch) && !giveUp.signal.aborted) {
        const batch = take(maxBatch);
        inFlight = batch.length;
        try {
          await deliver(batch);
        } catch (error) {
          // Encoding or compressing failed: these samples can never be sent.
          drop(batch.length, 'rejected');
          lastError = error instanceof Error ? error.message : String(error);
          logger.error({ err: error, endpoint: logged }, 'remote write could not encode a batch: dropped');
        } finally {
          inFlight = 0;
        }
      }
    };
    // A drain already running takes the new samples too; one asked for all runs again afterwards for the rest.
    const previous = draining;
    if (previous && !all) return previous;
    const next = (previous ? previous.then(run) : run()).finally(() => {
      if (draining === next) draining = undefined;
    });
    draining = next;
    return next;
  }

  const timer = setInterval(() => {
    if (waiting() > 0 && !draining) void drain(true);
  }, flushIntervalMs);
  timer.unref();

  return {
    push,
    flush: () => drain(true),
    async stop(deadlineMs = DEFAULT_STOP_DEADLINE_MS) {
      if (!stopping) {
        stopping = true;
        clearInterval(timer);
      }
      const deadline = setTimeout(() => giveUp.abort(), deadlineMs);
      try {
        await drain(true);
      } finally {
        clearTimeout(deadline);
      }
      const lost = waiting();
      if (lost > 0) {
        take(lost);
        drop(lost, 'stopped');
      }
      if (lost > 0) logger.warn({ endpoint: logged, lost, dropped: counts.dropped, sent: counts.sent }, 'remote write stopped before sending everything');
    },
    status: () => ({ queued: waiting() + inFlight, ...counts, ...(lastError === undefined ? {} : { lastError }) }),
  };
}
