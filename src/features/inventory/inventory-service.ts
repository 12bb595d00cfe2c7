import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { Clock } from '../../clock/clock.ts';
import { isDataError } from '../../db/database-errors.ts';
import type { Db } from '../../db/db.ts';
import { BadRequestError, ServiceUnavailableError } from '../../errors/errors.ts';
import { findJsonLimitViolation, type JsonLimits } from '../../http/json-limits.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import type { AlertsService } from '../alerts/index.ts';
import { inventoryHash } from './diff/canonical-json.ts';
import type { ChangeRules } from './diff/change-rules.ts';
import { createInventoryIngestBatcher, type InventoryIngestBatcherOptions } from './inventory-ingest-batcher.ts';
import { createInventoryProcessor } from './inventory-processor.ts';
import { createSnapshotCache, parsedSizeOf } from './snapshot-cache.ts';
import { createInventoryStore, type NewUpload, type StoredUpload } from './inventory-store.ts';
import { invalidCredentialsError } from '../systems/index.ts';

export const INVENTORY_QUEUE = 'inventory.process';

/** Jobs (systems) one worker fetches and processes together, in shared transactions. */
export const INVENTORY_JOB_BATCH_SIZE = 50;

/** Share of INVENTORY_CACHE_SIZE for parsed snapshots received and stored, not yet processed (the rest keeps the latest records'). */
const RECEIVED_CACHE_SHARE = 0.25;

/**
 * Most bytes of inventories one ingest statement carries (one larger inventory goes alone). The
 * database holds every inventory of the statement parsed at once, several times its JSON size:
 * on PGlite, whose WASM memory never shrinks, two 7.5 MiB inventories in one statement took it
 * from 128 to 382 MiB for good, one alone to 184 MiB. 4 MiB still holds 200 inventories of 16 KB.
 */
export const INVENTORY_BATCH_MAX_BYTES = 4 * 1024 * 1024;

export interface InventoryServiceDeps {
  db: Db;
  jobs: JobQueue;
  clock: Clock;
  logger: Logger;
  rules: ChangeRules;
  alerts: Pick<AlertsService, 'raiseForChanges'>;
  /** Whether this process works the inventory queue (and so keeps what it receives in memory for it). */
  processesJobs: boolean;
  /** Estimated bytes of parsed snapshots kept in memory; 0 keeps none. */
  cacheSize: number;
  /** Checked before an inventory is parsed (API_MAX_JSON_*). */
  jsonLimits: JsonLimits;
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

export interface InventoryService {
  /** Validates and durably queues an inventory; the 202 follows only once it is committed. */
  ingest(systemId: string, body: Buffer): Promise<IngestResult>;
  /** The caches' estimated bytes and ceilings. */
  memory(): { inventory_received_cache: { used: number; limit: number }; inventory_snapshot_cache: { used: number; limit: number } };
  /** Resolves once every inventory received so far is stored (graceful shutdown). */
  drain(): Promise<void>;
  /** The job: processes every inventory the systems have waiting (several systems share each transaction). */
  process(...systemIds: string[]): Promise<number>;
}

/**
 * Inventory ingest and processing. Ingest validates and hashes an inventory, then hands it to
 * the group commit: the raw inventory and its system's job are stored in one transaction with
 * those of other requests, and the 202 follows that commit. Processing (the job) is done by the
 * inventory processor, several systems per transaction.
 */
export function createInventoryService(deps: InventoryServiceDeps): InventoryService {
  const { db, clock } = deps;

  const received = createSnapshotCache<string, Record<string, unknown>>(deps.cacheSize * RECEIVED_CACHE_SHARE);
  const snapshots = createSnapshotCache<string, { recordId: string; data: unknown }>(deps.cacheSize * (1 - RECEIVED_CACHE_SHARE));
  const writes = createInventoryStore();
  const processor = createInventoryProcessor({ db, store: writes, rules: deps.rules, alerts: deps.alerts, received, snapshots, logger: deps.logger });

  /**
   * Stores uploads and their jobs in one transaction; answers each upload's previous hash and
   * the time it is dated at (null when its system is gone). The
   * jobs are normally added by the uploads' own statement, run alone: one round trip, no BEGIN
   * or COMMIT of its own. Should pg-boss not offer its insert as one plain statement, they are
   * enqueued by a second statement in a transaction.
   */
  async function storeUploads(uploads: readonly NewUpload[]): Promise<(StoredUpload | null)[]> {
    // One waiting job per system is enough: it processes everything the system has waiting.
    const systemIds = [...new Set(uploads.map((upload) => upload.systemId))];
    const jobs = systemIds.map((systemId) => ({ data: { systemId }, singletonKey: systemId }));
    const statement = await deps.jobs.insertStatement(INVENTORY_QUEUE, jobs);
    if (statement) return writes.insertUploads(db, uploads, statement);
    return db.transaction(async (tx) => {
      const previous = await writes.insertUploads(tx, uploads);
      await deps.jobs.enqueueMany(tx, INVENTORY_QUEUE, jobs);
      return previous;
    });
  }

  /**
   * The batcher's writer. When the batch fails for the data of one inventory (a value PostgreSQL
   * cannot hold, a system destroyed meanwhile), each is stored alone so only that one fails, with
   * a 400: the same data would fail again. Any other failure (the database down) fails the batch,
   * every request answered 503.
   */
  async function writeBatch(uploads: NewUpload[]): Promise<(StoredUpload | Error)[]> {
    try {
      return (await storeUploads(uploads)).map((stored) => stored ?? invalidCredentialsError());
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (uploads.length === 1) return [refusedByDatabase(uploads[0]!, error)];
      const results: (StoredUpload | Error)[] = [];
      for (const upload of uploads) {
        try {
          results.push((await storeUploads([upload]))[0] ?? invalidCredentialsError());
        } catch (alone) {
          if (isDataError(alone)) {
            results.push(refusedByDatabase(upload, alone));
          } else {
            deps.logger.error({ err: alone, systemId: upload.systemId }, 'inventory could not be stored');
            results.push(new ServiceUnavailableError('failed to process inventory'));
          }
        }
      }
      return results;
    }
  }

  function refusedByDatabase(upload: NewUpload, error: unknown): BadRequestError {
    const code = (error as { code: string }).code;
    // Not the error itself: PGlite's carries the statement's parameters, the inventory among them.
    deps.logger.warn({ systemId: upload.systemId, code, error: (error as Error).message }, 'inventory refused by the database');
    if (code.startsWith('23')) return invalid('data conflicts with the stored state of the system');
    return invalid(`data cannot be stored: ${(error as Error).message}`);
  }

  const batcher = createInventoryIngestBatcher({ ...deps.ingest, write: writeBatch, logger: deps.logger });

  return {
    async ingest(systemId: string, body: Buffer): Promise<IngestResult> {
      const text = body.toString('utf8');
      if (text.trim() === '') throw invalid('data is required');
      const refused = findJsonLimitViolation(text, deps.jsonLimits);
      if (refused) throw invalid(refused.message);
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        throw invalid('data must be valid JSON');
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw invalid('data must be a JSON object');

      const hash = inventoryHash(data);
      const id = uuidv7();
      // Kept for this node's worker before the commit, since the job may run before this
      // request resumes: the worker only looks for uploads it found stored.
      if (deps.processesJobs) received.set(id, data as Record<string, unknown>, { size: parsedSizeOf(body.length) });
      let stored: StoredUpload;
      try {
        stored = await batcher.submit({ id, systemId, receivedAt: clock.now(), hash, size: body.length, json: text });
      } catch (error) {
        received.delete(id);
        throw error;
      }
      return { receivedAt: stored.receivedAt, size: body.length, changesDetected: stored.previousHash !== hash };
    },

    memory: () => ({
      inventory_received_cache: { used: received.calculatedSize, limit: received.maxSize },
      inventory_snapshot_cache: { used: snapshots.calculatedSize, limit: snapshots.maxSize },
    }),

    drain: () => batcher.drain(),

    process: (...systemIds: string[]): Promise<number> => processor.process(systemIds),
  };
}
