import type { Logger } from 'pino';
import { createGroupCommit } from '../../db/group-commit.ts';
import { createFailureLog } from '../../logging/failure-log.ts';
import { ServiceUnavailableError } from '../../errors/errors.ts';
import type { Heartbeat, HeartbeatReport } from '../liveness/index.ts';

/** Writes a batch in one statement and answers which systems it left out (suspended or deleted meanwhile). */
export type HeartbeatWriter = (beats: Heartbeat[]) => Promise<Set<string>>;

export interface HeartbeatBatcherOptions {
  write: HeartbeatWriter;
  /** Most heartbeats written by one statement. */
  maxBatchSize: number;
  /** Heartbeats waiting beyond this are refused with 503 instead of queueing without bound. */
  maxPending: number;
  /** Batches written at the same time (more than one only helps with a connection pool). */
  maxConcurrentWrites: number;
  logger: Logger;
  /** After each committed batch: heartbeats written, seconds taken, requests acknowledged (stored). */
  onBatchWritten?: (size: number, seconds: number, acknowledged: number) => void;
}

interface Waiter {
  resolve: (stored: boolean) => void;
  reject: (error: Error) => void;
}

interface PendingBeat {
  at: Date;
  report: HeartbeatReport | undefined;
  waiters: Waiter[];
}

/**
 * Group commit for heartbeats (ADR 0004, scheduling in src/db/group-commit.ts): requests wait
 * while the current batch is being written, then go out together in the next statement. A
 * request's promise settles only when the statement that carries its heartbeat has committed,
 * so a 200 always means stored. Under light load a heartbeat is written on the next event-loop
 * turn; under heavy load batches grow by themselves.
 */
export function createHeartbeatBatcher(options: HeartbeatBatcherOptions) {
  const logFailure = createFailureLog(options.logger);
  // Keyed by system: several heartbeats of one system in a batch are one write (the latest time).
  let pending = new Map<string, PendingBeat>();
  /** Submitted and not yet answered: waiting, or in a batch being written. */
  let pendingCount = 0;

  function takeBatch(): Map<string, PendingBeat> {
    if (pending.size <= options.maxBatchSize) {
      const batch = pending;
      pending = new Map();
      return batch;
    }
    const batch = new Map<string, PendingBeat>();
    for (const [systemId, beat] of pending) {
      if (batch.size >= options.maxBatchSize) break;
      batch.set(systemId, beat);
      pending.delete(systemId);
    }
    return batch;
  }

  async function writeBatch(batch: Map<string, PendingBeat>): Promise<() => void> {
    const beats: Heartbeat[] = [];
    let waiterCount = 0;
    for (const [systemId, beat] of batch) {
      beats.push(beat.report ? { systemId, at: beat.at, report: beat.report } : { systemId, at: beat.at });
      waiterCount += beat.waiters.length;
    }
    const started = performance.now();
    let leftOut: Set<string>;
    try {
      leftOut = await options.write(beats);
    } catch (error) {
      return () => {
        logFailure(error, { batchSize: beats.length }, 'heartbeat batch could not be stored');
        const unavailable = new ServiceUnavailableError('failed to process heartbeat');
        for (const beat of batch.values()) for (const waiter of beat.waiters) waiter.reject(unavailable);
      };
    } finally {
      pendingCount -= waiterCount;
    }
    const seconds = (performance.now() - started) / 1000;
    return () => {
      let acknowledged = 0;
      for (const [systemId, beat] of batch) {
        const stored = !leftOut.has(systemId);
        if (stored) acknowledged += beat.waiters.length;
        for (const waiter of beat.waiters) waiter.resolve(stored);
      }
      options.onBatchWritten?.(beats.length, seconds, acknowledged);
    };
  }

  const commits = createGroupCommit({
    maxConcurrentWrites: options.maxConcurrentWrites,
    hasWaiting: () => pending.size > 0,
    takeBatch,
    write: writeBatch,
  });

  return {
    /**
     * Resolves true once the heartbeat is committed, false when the system no longer accepts
     * heartbeats (suspended or deleted meanwhile); rejects with a 503 when it cannot be stored.
     */
    submit(systemId: string, at: Date, report?: HeartbeatReport): Promise<boolean> {
      if (pendingCount >= options.maxPending) {
        return Promise.reject(new ServiceUnavailableError('too many heartbeats waiting to be stored; retry shortly', 1));
      }
      return new Promise<boolean>((resolve, reject) => {
        const existing = pending.get(systemId);
        if (existing) {
          // The latest heartbeat's time and report; a report of the same moment replaces an earlier one.
          if (at >= existing.at) {
            existing.at = at;
            if (report) existing.report = report;
          }
          existing.waiters.push({ resolve, reject });
        } else {
          pending.set(systemId, { at, report, waiters: [{ resolve, reject }] });
        }
        pendingCount++;
        commits.schedule();
      });
    },

    /** Resolves when every submitted heartbeat has been written (for graceful shutdown). */
    drain: commits.drain,

    get pendingCount(): number {
      return pendingCount;
    },
  };
}

export type HeartbeatBatcher = ReturnType<typeof createHeartbeatBatcher>;
