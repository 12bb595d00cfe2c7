import type { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { isDataError } from '../../db/database-errors.ts';
import type { Db, Sql } from '../../db/db.ts';
import type { AlertsService, ChangeSet, StoredChange } from '../alerts/index.ts';
import { classifyChange, type ChangeRules } from './diff/change-rules.ts';
import { diffInventories } from './diff/inventory-diff.ts';
import { diffKey, type InventoryStore, type InventoryUpload, type NewDiff, type NewHostProfile, type NewRecord, type RecordHead } from './inventory-store.ts';
import { failedUploadWrites } from './failed-uploads-store.ts';
import { parsedSizeOf } from './snapshot-cache.ts';
import { deriveHostProfile } from './host-profile/host-profile.ts';
import { extractSystemIdentity } from './system-identity/system-identity.ts';

/** Waiting inventories processed per transaction; more are taken by the next round. */
const UPLOADS_PER_TRANSACTION = 200;
/**
 * Bytes of waiting inventories (as JSON) taken by one round, so that a round of large ones does
 * not read hundreds of megabytes at once; a single larger inventory is taken alone.
 */
const UPLOAD_BYTES_PER_TRANSACTION = 32 * 1024 * 1024;
/**
 * Longest stretch of diffing before other work gets a turn. A round diffs up to 200 inventories
 * (tens of milliseconds); without a break, ingest's requests and its database answers would wait
 * for all of it, and every ingest transaction would take that much longer.
 */
const MAX_BUSY_MS = 2;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export interface InventoryProcessorDeps {
  db: Db;
  /**
   * Snapshots this node received and stored, parsed, by upload id: processing takes them from
   * here rather than reading them back. Entries are dropped once processed.
   */
  received: LRUCache<string, Record<string, unknown>>;
  /**
   * Each system's latest snapshot, parsed, by system id with its record id (records are never
   * modified), so it is not read back from the database every round. Sized with parsedSizeOf.
   */
  snapshots: LRUCache<string, { recordId: string; data: unknown }>;
  store: InventoryStore;
  rules: ChangeRules;
  alerts: Pick<AlertsService, 'raiseForChanges'>;
  logger: Logger;
}

interface Latest extends RecordHead {
  data: unknown;
}

export interface InventoryProcessor {
  /** Processes everything the systems have waiting; answers how many inventories that was (set-aside ones included). */
  process(systemIds: readonly string[]): Promise<number>;
}

/**
 * Processes the waiting inventories of several systems in one transaction per round: each
 * system's in the order received, an identical one refreshing the latest record's time, a
 * different one becoming a record diffed against the previous one, each change classified by the
 * rules. The waiting inventories are deleted in the same transaction, so a round run twice, or
 * retried after a crash, finds nothing to do twice.
 *
 * Few round trips whatever the number of systems: one statement each to lock, read, insert
 * records (the snapshot copied inside the database), insert diffs, update summaries and delete.
 * The latest snapshot of each system stays parsed in memory (`snapshots`, bounded by bytes), so
 * it is read from the database only after a restart, when another node stored it, or when the
 * cache had no room for it.
 *
 * An inventory that cannot be processed (its data fails the diff or the database, which would
 * fail every retry and so block the system's later inventories for good) is found by redoing
 * the round one system and one inventory at a time, set aside in inventory_failed_uploads,
 * logged at error, and processing goes on; failures of the database itself still fail the job,
 * which is retried.
 */
export function createInventoryProcessor(deps: InventoryProcessorDeps): InventoryProcessor {
  const { db, snapshots, store: writes } = deps;

  /**
   * Processes what fits in one round (at most `count` inventories); answers how many that was and
   * whether more wait. The inventories read are added to `taken`.
   */
  async function processRound(
    systemIds: readonly string[],
    count = UPLOADS_PER_TRANSACTION,
    taken?: InventoryUpload[],
  ): Promise<{ processed: number; more: boolean }> {
    const stored: { systemId: string; recordId: string; data: unknown; size: number }[] = [];
    let more = false;
    const processed = await db.transaction(async (tx): Promise<InventoryUpload[]> => {
      const organizations = await writes.lockSystemsForProcessing(tx, systemIds);
      const present = systemIds.filter((systemId) => organizations.has(systemId)); // destroyed ones took their uploads along
      if (present.length === 0) return [];
      const pending = await writes.pendingUploads(tx, present, { count, bytes: UPLOAD_BYTES_PER_TRANSACTION });
      more = pending.more;
      const uploads = pending.uploads;
      taken?.push(...uploads);
      if (uploads.length === 0) return [];
      const bySystem = Map.groupBy(uploads, (upload) => upload.systemId);
      const latest = await latestRecords(tx, [...bySystem.keys()]);
      // Taken from memory before reading the rest: ingest may evict entries meanwhile.
      const received = new Map<string, Record<string, unknown>>();
      for (const upload of uploads) {
        const data = deps.received.get(upload.id);
        if (data !== undefined) received.set(upload.id, data);
      }
      const fetched = await writes.uploadData(
        tx,
        uploads.filter((upload) => !received.has(upload.id)).map((upload) => upload.id),
      );
      const dataOf = (uploadId: string) => received.get(uploadId) ?? fetched.get(uploadId)!;

      const records: NewRecord[] = [];
      const diffs: NewDiff[] = [];
      const refreshed = new Map<string, Date>();
      const summaries = [];
      const profiles: NewHostProfile[] = [];
      const searched: string[] = [];
      let busySince = performance.now();
      for (const [systemId, systemUploads] of bySystem) {
        if (performance.now() - busySince > MAX_BUSY_MS) {
          await nextTurn();
          busySince = performance.now();
        }
        const organizationId = organizations.get(systemId)!;
        let previous = latest.get(systemId);
        for (const upload of systemUploads) {
          const data = dataOf(upload.id);
          if (previous && upload.hash === previous.hash) {
            refreshed.set(previous.id, upload.receivedAt);
            continue;
          }
          // Time-ordered ids: records received in the same millisecond stay in the order processed.
          const recordId = uuidv7();
          const diff = previous ? diffInventories(previous.data, data) : { changes: [], limited: null };
          records.push({ id: recordId, uploadId: upload.id, changeCount: diff.changes.length, limited: diff.limited });
          if (previous) {
            for (const change of diff.changes) {
              const verdict = classifyChange(change, deps.rules);
              diffs.push({
                systemId,
                organizationId,
                recordId,
                previousRecordId: previous.id,
                detectedAt: upload.receivedAt,
                fieldPath: change.path,
                diffType: change.type,
                previousValue: change.previous,
                currentValue: change.current,
                category: verdict.category,
                severity: verdict.severity,
                significant: verdict.significant,
                rule: verdict.rule,
              });
            }
          }
          previous = { id: recordId, hash: upload.hash, receivedAt: upload.receivedAt, size: upload.size, data };
        }
        // An identical re-send changes nothing the search reads.
        if (previous && previous.id !== latest.get(systemId)?.id) searched.push(previous.id);
        const newest = systemUploads.at(-1)!;
        const newestData = dataOf(newest.id);
        summaries.push({ systemId, summary: extractSystemIdentity(newestData), lastInventoryAt: newest.receivedAt });
        profiles.push({ systemId, organizationId, profile: deriveHostProfile(newestData), at: newest.receivedAt });
        if (previous) stored.push({ systemId, recordId: previous.id, data: previous.data, size: previous.size });
      }

      await writes.insertRecords(tx, records);
      await writes.refreshRecords(tx, refreshed);
      const ids = await writes.insertDiffs(tx, diffs);
      await raiseAlerts(tx, diffs, ids);
      await writes.updateSummaries(tx, summaries);
      await writes.saveHostProfiles(tx, profiles);
      await writes.saveSearchDocuments(tx, searched);
      await writes.deleteUploads(
        tx,
        uploads.map((upload) => upload.id),
      );
      return uploads;
    });
    for (const upload of processed) deps.received.delete(upload.id);
    for (const entry of stored) snapshots.set(entry.systemId, { recordId: entry.recordId, data: entry.data }, { size: parsedSizeOf(entry.size) });
    return { processed: processed.length, more };
  }

  /** Each system's latest record with its snapshot: from memory when it is still the latest. */
  async function latestRecords(tx: Sql, systemIds: string[]): Promise<Map<string, Latest>> {
    const heads = await writes.latestRecordHeads(tx, systemIds);
    // Taken before reading the rest: another round may evict entries meanwhile.
    const cached = new Map<string, unknown>();
    for (const [systemId, head] of heads) {
      const entry = snapshots.get(systemId);
      if (entry?.recordId === head.id) cached.set(systemId, entry.data);
    }
    const fetched = await writes.recordData(
      tx,
      [...heads].filter(([systemId]) => !cached.has(systemId)).map(([, head]) => head.id),
    );
    const latest = new Map<string, Latest>();
    for (const [systemId, head] of heads) {
      latest.set(systemId, { ...head, data: cached.has(systemId) ? cached.get(systemId) : fetched.get(head.id) });
    }
    return latest;
  }

  /** Raises alerts for the stored changes of every record of the round, as the rules say, together. */
  async function raiseAlerts(tx: Sql, diffs: readonly NewDiff[], ids: ReadonlyMap<string, number>): Promise<void> {
    const changeSets: ChangeSet[] = [];
    for (const recordDiffs of Map.groupBy(diffs, (diff) => diff.recordId).values()) {
      const changes: StoredChange[] = recordDiffs.flatMap((diff) => {
        const id = ids.get(diffKey(diff.recordId, diff.fieldPath));
        return id === undefined ? [] : [{ ...diff, id }];
      });
      if (changes.length === 0) continue;
      const first = recordDiffs[0]!;
      changeSets.push({ systemId: first.systemId, detectedAt: first.detectedAt, changes });
    }
    if (changeSets.length > 0) await deps.alerts.raiseForChanges(tx, changeSets);
  }

  /**
   * After a round failed for the data of one of its inventories: each system alone, and the
   * inventories of the one that fails one per transaction, until the one at fault is found and
   * set aside. Answers how many inventories were processed or set aside.
   */
  async function setAsideUnprocessable(systemIds: readonly string[]): Promise<number> {
    let total = 0;
    for (const systemId of systemIds) {
      try {
        for (let more = true; more;) {
          const round = await processRound([systemId]);
          total += round.processed;
          more = round.more;
        }
        continue;
      } catch (error) {
        if (!isUnprocessable(error)) throw error;
      }
      for (let more = true; more;) {
        const taken: InventoryUpload[] = [];
        try {
          const round = await processRound([systemId], 1, taken);
          total += round.processed;
          more = round.more;
        } catch (error) {
          const upload = taken[0];
          if (!isUnprocessable(error) || upload === undefined) throw error;
          await setAside(upload, error);
          total++;
          break;
        }
      }
    }
    return total;
  }

  async function setAside(upload: InventoryUpload, error: unknown): Promise<void> {
    const code = (error as { code?: unknown }).code;
    const reason =
      typeof code === 'string' ? `${(error as Error).message} (SQLSTATE ${code})` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await db.transaction(async (tx) => {
      await writes.lockSystemsForProcessing(tx, [upload.systemId]);
      await failedUploadWrites.setAside(tx, upload.id, reason);
    });
    deps.received.delete(upload.id);
    // The reason, not the error: a database error can carry the statement's parameters, the inventory itself.
    deps.logger.error(
      { systemId: upload.systemId, uploadId: upload.id, receivedAt: upload.receivedAt, error: reason },
      "inventory cannot be processed: set aside in inventory_failed_uploads; the system's later inventories go on",
    );
  }

  return {
    async process(systemIds: readonly string[]): Promise<number> {
      // Sorted: every transaction takes the systems' locks in the same order.
      const sorted = [...new Set(systemIds)].sort();
      let total = 0;
      for (;;) {
        let round: { processed: number; more: boolean };
        try {
          round = await processRound(sorted);
        } catch (error) {
          // Retrying would fail the same way, and block every later inventory of the system.
          if (!isUnprocessable(error)) throw error;
          const handled = await setAsideUnprocessable(sorted);
          // Nothing failed again, alone: not the data after all; the job is retried.
          if (handled === 0) throw error;
          total += handled;
          continue;
        }
        total += round.processed;
        if (!round.more) return total;
      }
    },
  };
}

/**
 * Whether processing failed for the data rather than for the database: PostgreSQL refused a value
 * (isDataError), or the code processing it gave up (a RangeError such as a call stack exceeded,
 * a TypeError; database and connection errors are neither).
 */
function isUnprocessable(error: unknown): boolean {
  if (isDataError(error)) return true;
  return (error instanceof RangeError || error instanceof TypeError) && (error as { code?: unknown }).code === undefined;
}
