import type { Logger } from 'pino';
import { createGroupCommit } from '../../db/group-commit.ts';
import { createFailureLog } from '../../logging/failure-log.ts';
import { ServiceUnavailableError } from '../../errors/errors.ts';
import type { NewUpload, StoredUpload } from './inventory-store.ts';

/**
 * Stores a batch (its uploads and their jobs) and answers, in the batch's order, what storing
 * each upload answered, or the error that upload alone must be answered with. Throws when the
 * batch as a whole could not be stored.
 */
export type UploadBatchWriter = (uploads: NewUpload[]) => Promise<(StoredUpload | Error)[]>;

export interface InventoryIngestBatcherOptions {
  write: UploadBatchWriter;
  /** Most inventories stored by one transaction. */
  maxBatchSize: number;
  /** Most bytes of inventories stored by one transaction: a batch never grows beyond it (a single larger one goes alone). */
  maxBatchBytes: number;
  /** Inventories waiting beyond this are refused with 503 instead of queueing without bound. */
  maxPending: number;
  /** Batches written at the same time (more than one only helps with a connection pool). */
  maxConcurrentWrites: number;
  logger: Logger;
  onBatchWritten?: (size: number, seconds: number) => void;
}

interface Waiting {
  upload: NewUpload;
  resolve: (stored: StoredUpload) => void;
  reject: (error: Error) => void;
}

/**
 * Group commit for inventories, as for heartbeats (ADR 0004, scheduling in
 * src/db/group-commit.ts): inventories that arrive while a batch is being written go out
 * together in the next transaction, and each request's promise settles only when the
 * transaction carrying its inventory and job has committed. Under light load an inventory is
 * written on the next event-loop turn; under load batches grow by themselves and share one commit.
 */
export function createInventoryIngestBatcher(options: InventoryIngestBatcherOptions) {
  const logFailure = createFailureLog(options.logger);
  let pending: Waiting[] = [];
  /** Submitted and not yet answered: waiting, or in a batch being written. */
  let pendingCount = 0;

  function takeBatch(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (count < pending.length && count < options.maxBatchSize) {
      const size = pending[count]!.upload.size;
      if (count > 0 && bytes + size > options.maxBatchBytes) break;
      bytes += size;
      count++;
    }
    const batch = pending.slice(0, count);
    pending = pending.slice(count);
    return batch;
  }

  async function writeBatch(batch: Waiting[]): Promise<() => void> {
    const started = performance.now();
    let results: (StoredUpload | Error)[];
    try {
      results = await options.write(batch.map((waiting) => waiting.upload));
    } catch (error) {
      return () => {
        logFailure(error, { batchSize: batch.length }, 'inventory batch could not be stored');
        const failure = new ServiceUnavailableError('failed to process inventory');
        for (const waiting of batch) waiting.reject(failure);
      };
    } finally {
      pendingCount -= batch.length;
    }
    options.onBatchWritten?.(batch.length, (performance.now() - started) / 1000);
    return () => {
      batch.forEach((waiting, index) => {
        const result = results[index];
        if (result instanceof Error) waiting.reject(result);
        else if (result) waiting.resolve(result);
        else waiting.reject(new ServiceUnavailableError('failed to process inventory'));
      });
    };
  }

  const commits = createGroupCommit({
    maxConcurrentWrites: options.maxConcurrentWrites,
    hasWaiting: () => pending.length > 0,
    takeBatch,
    write: writeBatch,
  });

  return {
    /**
     * Resolves with the hash of the system's previous inventory and this one's date once it and
     * its job are committed; rejects with a 503 when it cannot be stored (or the error meant for
     * it alone).
     */
    submit(upload: NewUpload): Promise<StoredUpload> {
      if (pendingCount >= options.maxPending) {
        return Promise.reject(new ServiceUnavailableError('too many inventories waiting to be stored; retry shortly', 1));
      }
      return new Promise<StoredUpload>((resolve, reject) => {
        pending.push({ upload, resolve, reject });
        pendingCount++;
        commits.schedule();
      });
    },

    /** Resolves when every submitted inventory has been written (for graceful shutdown). */
    drain: commits.drain,

    get pendingCount(): number {
      return pendingCount;
    },
  };
}

export type InventoryIngestBatcher = ReturnType<typeof createInventoryIngestBatcher>;
