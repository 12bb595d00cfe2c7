import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Logger } from 'pino';

/** How often the collector looks. */
export const IDLE_CHECK_INTERVAL_MS = 10_000;
/**
 * The event loop busy less than this share of the last interval counts as idle. Not 5 %: an idle
 * node on the embedded database stays at 5.5–8 % (the liveness scan every 500 ms and the job
 * queue's polling run PostgreSQL's WASM on this thread), so a 5 % bar never let it collect.
 */
export const IDLE_UTILIZATION = 0.15;
/** Garbage worth collecting: heap in use this far above what the last full collection left. */
export const HEAP_GROWTH_BYTES = 64 * 1024 * 1024;

export interface IdleHeapCollectorDeps {
  /** Runs a full, compacting garbage collection. */
  collect: () => void;
  heapUsed: () => number;
  /** Event-loop utilization since the previous reading (0 idle … 1 busy). */
  utilization: () => number;
  logger?: Logger;
}

/**
 * V8 collects garbage when a program allocates; an idle process allocates nothing, so after a
 * burst of large inventories (each parsed into hundreds of megabytes of objects) the garbage
 * stays resident, measured at 800 MB against a 200 MB baseline long after the burst. A full
 * collection then brings it back to the baseline plus what the caches hold (300 MB). So when the
 * process has been idle for an interval and its heap grew well beyond what the last full
 * collection left, it collects once. Never under load: there V8 collects by itself, and a full
 * collection's pause would fall on requests.
 */
export function createIdleHeapCollector(deps: IdleHeapCollectorDeps) {
  let liveAfterCollection = deps.heapUsed();
  let timer: NodeJS.Timeout | undefined;

  function check(): boolean {
    const idle = deps.utilization() < IDLE_UTILIZATION;
    const used = deps.heapUsed();
    if (!idle || used < liveAfterCollection + HEAP_GROWTH_BYTES) {
      // The heap may also have shrunk by V8's own collections: follow it down.
      liveAfterCollection = Math.min(liveAfterCollection, used);
      return false;
    }
    const started = performance.now();
    deps.collect();
    liveAfterCollection = deps.heapUsed();
    deps.logger?.debug({ before: used, after: liveAfterCollection, ms: Math.round(performance.now() - started) }, 'idle: garbage collected');
    return true;
  }

  return {
    /** One look: collects when idle and worth it; answers whether it did. */
    check,
    start(intervalMs = IDLE_CHECK_INTERVAL_MS): void {
      timer ??= setInterval(check, intervalMs).unref();
    },
    stop(): void {
      clearInterval(timer);
      timer = undefined;
    },
  };
}

/**
 * V8's own full collection, made callable without starting Node with --expose-gc (the flag
 * exposes `gc` to contexts created after it is set). The "last resort" flavour, V8's answer to
 * memory pressure: collections until nothing more is freed, then the young generation shrunk and
 * the pages V8 keeps pooled for reuse handed back. A plain full collection leaves those: after
 * parsing six 7.5 MiB inventories, it took the heap from 310 to 199 MiB committed (65 MiB used)
 * and RSS from 499 to 434 MiB; this one to 67 MiB committed and 180 MiB RSS, in 1.8 s against
 * 0.7 s, hence only when idle.
 */
export function fullGarbageCollection(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

/** Event-loop utilization of this process since the previous call. */
export function utilizationSinceLastReading(): () => number {
  let previous: EventLoopUtilization = performance.eventLoopUtilization();
  return () => {
    const now = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(now, previous);
    previous = now;
    return delta.utilization;
  };
}
