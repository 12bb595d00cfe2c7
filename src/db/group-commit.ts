/**
 * The scheduling half of a group commit (ADR 0004), shared by the heartbeat and inventory
 * batchers: what arrives while a batch is being written goes out together in the next one.
 * The batcher keeps what waits and how it is answered; this decides when batches are written.
 *
 * - No timer: writes start on the next event-loop turn (`setImmediate`), so every request read
 *   in the same turn joins the batch (essential on PGlite, whose statements hold the event loop).
 * - At most `maxConcurrentWrites` batches are written at once; the rest wait and grow.
 * - When a batch is written, the next one goes to the database before this one is answered:
 *   answering means a response per request, and the next statement runs meanwhile.
 */
export interface GroupCommitOptions<Batch> {
  /** Batches written at the same time (more than one only helps with a connection pool). */
  maxConcurrentWrites: number;
  /** Whether anything waits to be written. */
  hasWaiting: () => boolean;
  /** Takes the next batch out of what waits (called only when something does). */
  takeBatch: () => Batch;
  /**
   * Writes a batch and returns how to answer its requests, run once the next batch has been
   * started. Must not throw: a failed write returns an answer that fails the batch's requests.
   */
  write: (batch: Batch) => Promise<() => void>;
}

export function createGroupCommit<Batch>(options: GroupCommitOptions<Batch>) {
  let writesInFlight = 0;
  let pumpScheduled = false;
  let idle: (() => void)[] = [];

  function pump(): void {
    pumpScheduled = false;
    while (options.hasWaiting() && writesInFlight < options.maxConcurrentWrites) {
      writesInFlight++;
      void writeBatch(options.takeBatch());
    }
  }

  async function writeBatch(batch: Batch): Promise<void> {
    const answer = await options.write(batch);
    writesInFlight--;
    if (options.hasWaiting()) pump();
    answer();
    if (writesInFlight === 0 && !options.hasWaiting()) {
      for (const resolve of idle) resolve();
      idle = [];
    }
  }

  return {
    /** Call after adding something to wait: it is written on the next event-loop turn or after the write in flight. */
    schedule: (): void => {
      if (pumpScheduled) return;
      pumpScheduled = true;
      setImmediate(pump);
    },

    /** Resolves when everything added so far has been written and answered (graceful shutdown). */
    drain: (): Promise<void> => {
      if (writesInFlight === 0 && !options.hasWaiting()) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
  };
}
