import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { Db } from '../../db/db.ts';
import { BadRequestError, ServiceUnavailableError } from '../../errors/errors.ts';
import type { JobQueue } from '../../jobs/job-queue.ts';
import type { AlertsService } from '../alerts/alerts-service.ts';
import { inventoryHash } from './diff/canonical-json.ts';
import { classifyChange, type ChangeRules } from './diff/change-rules.ts';
import { diffInventories } from './diff/inventory-diff.ts';
import { createInventoryIngestBatcher, type InventoryIngestBatcherOptions } from './inventory-ingest-batcher.ts';
import { inventoryWrites as writes, type LatestRecord, type NewUpload } from './inventory-store.ts';
import { extractInventorySummary } from './summary/inventory-summary.ts';

export const INVENTORY_QUEUE = 'inventory.process';

/** An ingest batch is closed at this many bytes of inventories (one larger inventory goes alone). */
export const INVENTORY_BATCH_MAX_BYTES = 16 * 1024 * 1024;

/** Uploads processed per transaction; more wait for the next round of the same job. */
const UPLOADS_PER_TRANSACTION = 20;

export interface InventoryServiceDeps {
  db: Db;
  jobs: JobQueue;
  clock: Clock;
  logger: Logger;
  rules: ChangeRules;
  alerts: Pick<AlertsService, 'raiseForChanges'>;
  /** Group commit of ingest. */
  ingest: Pick<InventoryIngestBatcherOptions, 'maxBatchSize' | 'maxBatchBytes' | 'maxPending' | 'maxConcurrentWrites' | 'onBatchWritten'>;
}

export interface IngestResult {
  receivedAt: Date;
  size: number;
  changesDetected: boolean;
}

function invalid(reason: string): BadRequestError {
  return new BadRequestError('invalid inventory data', { validation_error: reason });
}

/**
 * Inventory ingest and processing. Ingest validates, stores the raw inventory and enqueues its
 * job in one transaction before answering. The job, in one transaction per round, takes the
 * system's waiting inventories in the order received: an identical one refreshes the latest
 * record's time; a different one becomes a record, diffed against the previous one, each change
 * classified by the rules. The waiting inventory is deleted in the same transaction, so a job
 * run twice, or retried after a crash, finds nothing to do twice.
 */
export function createInventoryService(deps: InventoryServiceDeps) {
  const { db, clock } = deps;

  async function processRound(systemId: string): Promise<number> {
    return db.transaction(async (tx) => {
      const system = await writes.lockSystem(tx, systemId);
      if (!system) return 0; // destroyed meanwhile: its uploads went with it
      const uploads = await writes.pendingUploads(tx, systemId, UPLOADS_PER_TRANSACTION);
      if (uploads.length === 0) return 0;
      let latest: LatestRecord | null = await writes.latestRecord(tx, systemId);
      for (const upload of uploads) {
        if (latest && upload.hash === latest.hash) {
          await writes.refreshRecord(tx, latest.id, upload.receivedAt);
          continue;
        }
        const diff = latest ? diffInventories(latest.data, upload.data) : { changes: [], limited: null };
        const recordId = await writes.insertRecord(tx, systemId, upload, diff.changes.length, diff.limited);
        if (latest) {
          const classified = diff.changes.map((change) => {
            const verdict = classifyChange(change, deps.rules);
            return {
              fieldPath: change.path,
              diffType: change.type,
              previousValue: change.previous,
              currentValue: change.current,
              category: verdict.category,
              severity: verdict.severity,
              significant: verdict.significant,
              rule: verdict.rule,
            };
          });
          const ids = await writes.insertDiffs(
            tx,
            { systemId, organizationId: system.organizationId, recordId, previousRecordId: latest.id, detectedAt: upload.receivedAt },
            classified,
          );
          const stored = classified.flatMap((diff) => {
            const id = ids.get(diff.fieldPath);
            return id === undefined ? [] : [{ ...diff, id }];
          });
          await deps.alerts.raiseForChanges(tx, systemId, upload.receivedAt, stored);
        }
        latest = { id: recordId, hash: upload.hash, receivedAt: upload.receivedAt, data: upload.data };
      }
      const newest = uploads.at(-1)!;
      await writes.updateSummary(tx, systemId, extractInventorySummary(newest.data), newest.receivedAt);
      await writes.deleteUploads(
        tx,
        uploads.map((upload) => upload.id),
      );
      return uploads.length;
    });
  }

  /** Stores uploads and their jobs in one transaction; answers each upload's previous hash. */
  async function storeUploads(uploads: readonly NewUpload[]): Promise<(string | null)[]> {
    return db.transaction(async (tx) => {
      const previous = await writes.insertUploads(tx, uploads);
      // One waiting job per system is enough: it processes everything the system has waiting.
      const systemIds = [...new Set(uploads.map((upload) => upload.systemId))];
      await deps.jobs.enqueueMany(
        tx,
        INVENTORY_QUEUE,
        systemIds.map((systemId) => ({ data: { systemId }, singletonKey: systemId })),
      );
      return previous;
    });
  }

  /**
   * The batcher's writer. When the batch fails for the data of one inventory (JSON that
   * PostgreSQL refuses, a system destroyed meanwhile), each is stored alone so only that one
   * fails; any other failure (the database down) fails the batch, every request answered 503.
   */
  async function writeBatch(uploads: NewUpload[]): Promise<(string | null | Error)[]> {
    try {
      return await storeUploads(uploads);
    } catch (error) {
      if (!isDataError(error)) throw error;
      const results: (string | null | Error)[] = [];
      for (const upload of uploads) {
        try {
          results.push((await storeUploads([upload]))[0] ?? null);
        } catch (alone) {
          if (isInvalidJsonError(alone)) {
            results.push(invalid('data must be valid JSON'));
          } else {
            deps.logger.error({ err: alone, systemId: upload.systemId }, 'inventory could not be stored');
            results.push(new ServiceUnavailableError('failed to process inventory'));
          }
        }
      }
      return results;
    }
  }

  const batcher = createInventoryIngestBatcher({ ...deps.ingest, write: writeBatch, logger: deps.logger });

  return {
    /** Validates and durably queues an inventory; the 202 follows only once it is committed. */
    async ingest(systemId: string, body: Buffer): Promise<IngestResult> {
      const text = body.toString('utf8');
      if (text.trim() === '') throw invalid('data is required');
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        throw invalid('data must be valid JSON');
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid('data must be a JSON object');

      const receivedAt = clock.now();
      const hash = inventoryHash(data);
      const previousHash = await batcher.submit({ systemId, receivedAt, hash, size: body.length, json: text });
      return { receivedAt, size: body.length, changesDetected: previousHash !== hash };
    },

    /** Resolves once every inventory received so far is stored (graceful shutdown). */
    drain: () => batcher.drain(),

    /** The job: processes every inventory the system has waiting. */
    async process(systemId: string): Promise<number> {
      let total = 0;
      for (;;) {
        const count = await processRound(systemId);
        total += count;
        if (count < UPLOADS_PER_TRANSACTION) return total;
      }
    },
  };
}

export type InventoryService = ReturnType<typeof createInventoryService>;

/** Class 22 (data exception) or 23 (integrity constraint violation): the data, not the database. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** PostgreSQL refuses some JSON that JavaScript accepts (a \u0000 in a string). */
function isInvalidJsonError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '22P02' || code === '22P05' || code === '22025';
}
