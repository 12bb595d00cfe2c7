import type { Sql } from '../../db/db.ts';
import type { JobInsertStatement } from '../../queue/job-queue.ts';
import type { HostProfile } from './host-profile/host-profile.ts';
import type { SystemIdentity } from './system-identity/system-identity.ts';
import type { ChangeRecord } from '../../domain/changes.ts';

export interface InventoryUpload {
  id: string;
  systemId: string;
  receivedAt: Date;
  hash: string;
  size: number;
}

export interface NewUpload {
  /** A UUIDv7, so uploads received in the same millisecond keep their order. */
  id: string;
  systemId: string;
  receivedAt: Date;
  hash: string;
  size: number;
  /** The inventory as received (valid JSON). */
  json: string;
}

/** What storing an upload answered: the hash of its system's inventory before it, and the time it is dated at. */
export interface StoredUpload {
  previousHash: string | null;
  receivedAt: Date;
}

export interface RecordHead {
  id: string;
  hash: string;
  receivedAt: Date;
  /** Bytes of its JSON as received. */
  size: number;
}

export interface NewRecord {
  id: string;
  /** The waiting inventory it is made from. */
  uploadId: string;
  changeCount: number;
  limited: unknown;
}

export type NewDiff = ChangeRecord;

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

export interface InventoryStore {
  /**
   * Stores received inventories, in the order given, and answers for each the hash of the one
   * its system received before it and the time it is dated at. Each is dated at the time its
   * node received it or, when that is not later, just after its system's previous inventory:
   * the systems' rows are locked (in id order, so concurrent batches of several nodes cannot
   * deadlock) until this statement commits, so a system's inventories are dated, and so
   * processed, in the order their ingest committed, whatever the nodes' clocks say. With `jobs`
   * (pg-boss's statement adding their jobs), the jobs are added by the same statement: one
   * statement is one transaction, so run alone it needs neither BEGIN nor COMMIT, and the
   * uploads and their jobs commit together. Answers null for an upload whose system no longer
   * exists (destroyed meanwhile): nothing of it is stored.
   */
  insertUploads(tx: Sql, uploads: readonly NewUpload[], jobs?: JobInsertStatement): Promise<(StoredUpload | null)[]>;
  /**
   * Serializes the processing of these systems with any other transaction processing them (on
   * this node or another), until this transaction ends. Advisory locks, taken in the order given
   * (callers sort), rather than the systems' rows: ingest updates those rows and must never wait
   * for a processing transaction. Answers the systems that still exist, with their organization.
   */
  lockSystemsForProcessing(tx: Sql, systemIds: readonly string[]): Promise<Map<string, string>>;
  /**
   * The systems' next waiting inventories (without their snapshots), each system's in the order
   * received: at most `limit.count`, and no more than `limit.bytes` of JSON in all (but at least
   * one); `more` tells whether others wait beyond them.
   */
  pendingUploads(tx: Sql, systemIds: readonly string[], limit: { count: number; bytes: number }): Promise<{ uploads: InventoryUpload[]; more: boolean }>;
  /** Snapshots of waiting inventories, by upload id. */
  uploadData(tx: Sql, uploadIds: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
  /** Each system's latest record, without its snapshot. */
  latestRecordHeads(tx: Sql, systemIds: readonly string[]): Promise<Map<string, RecordHead>>;
  /** Snapshots of records, by record id. */
  recordData(tx: Sql, recordIds: readonly string[]): Promise<Map<string, unknown>>;
  /** Moves each latest record's last_seen_at forward to at least the time given. */
  refreshRecords(tx: Sql, seen: ReadonlyMap<string, Date>): Promise<void>;
  /**
   * Turns waiting inventories into records. The snapshot is copied inside the database from the
   * upload row (already parsed and compressed there), not sent again.
   */
  insertRecords(tx: Sql, records: readonly NewRecord[]): Promise<void>;
  /** Stores diffs (each once: a record's path is unique) and answers the id of each stored one by record and path. */
  insertDiffs(tx: Sql, diffs: readonly NewDiff[]): Promise<Map<string, number>>;
  deleteUploads(tx: Sql, ids: readonly string[]): Promise<void>;
  /**
   * Sets each system's summary fields from its newest inventory. Rows are locked in id order, as
   * ingest locks them, so the two cannot deadlock.
   */
  updateSummaries(tx: Sql, summaries: readonly { systemId: string; summary: SystemIdentity; lastInventoryAt: Date }[]): Promise<void>;
  /** Stores each system's host profile (derived from its newest inventory), replacing the one before. */
  saveHostProfiles(tx: Sql, profiles: readonly NewHostProfile[]): Promise<void>;
  /** Makes these records (each its system's newest) what the systems list's search reads (migration 0028). */
  saveSearchDocuments(tx: Sql, recordIds: readonly string[]): Promise<void>;
}

export interface NewHostProfile {
  systemId: string;
  organizationId: string;
  profile: HostProfile;
  at: Date;
}

/** The writes of inventory ingest and processing; every function runs in the caller's transaction. */
export function createInventoryStore(): InventoryStore {
  return {
    async insertUploads(tx: Sql, uploads: readonly NewUpload[], jobs?: JobInsertStatement): Promise<(StoredUpload | null)[]> {
      if (uploads.length === 0) return [];
      const systemIds = [...new Set(uploads.map((upload) => upload.systemId))];
      // One parameter per value: a 16 KB JSON text sent as an array element would be escaped twice.
      const params: unknown[] = [systemIds];
      const countBySystem = new Map<string, number>();
      const rows = uploads.map((upload) => {
        const position = (countBySystem.get(upload.systemId) ?? 0) + 1;
        countBySystem.set(upload.systemId, position);
        const at = params.length;
        params.push(upload.id, upload.systemId, upload.receivedAt, upload.hash, upload.size, upload.json, position);
        return `($${at + 1}::uuid, $${at + 2}::uuid, $${at + 3}::timestamptz, $${at + 4}, $${at + 5}::integer, $${at + 6}::jsonb, $${at + 7}::integer)`;
      });
      let queued = '';
      if (jobs) {
        params.push(jobs.payload);
        // pg-boss's statement as it is, its parameter renumbered: pg-boss keeps the jobs' shape and policy.
        queued = `, queued AS (${jobs.text.replaceAll('$1', `$${params.length}`)})`;
      }
      // One statement, so one round trip: the uploads, the swap of the systems' latest hashes and
      // times, the jobs. The n-th inventory of a system in this batch is dated
      // max(its own time, the previous one's + 1 µs), written without recursion as
      // n µs + max(the system's latest time, max over k ≤ n of (time_k − k µs)).
      const { rows: stored } = await tx.query<{ id: string; received_at: Date; previous: string | null }>(
        `WITH locked AS (
           SELECT id, inventory_hash, inventory_received_at FROM systems WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE
         ), incoming (id, system_id, received_at, hash, size, data, position) AS (
           VALUES ${rows.join(', ')}
         ), dated AS (
           SELECT i.id, i.system_id, i.hash, i.position,
             greatest(l.inventory_received_at, max(i.received_at - i.position * interval '1 microsecond') OVER (PARTITION BY i.system_id ORDER BY i.position))
               + i.position * interval '1 microsecond' AS received_at,
             coalesce(lag(i.hash) OVER (PARTITION BY i.system_id ORDER BY i.position), l.inventory_hash) AS previous
           FROM incoming i JOIN locked l ON l.id = i.system_id
         ), stored AS (
           INSERT INTO inventory_uploads (id, system_id, received_at, hash, size, data)
           SELECT i.id, i.system_id, d.received_at, i.hash, i.size, i.data FROM incoming i JOIN dated d ON d.id = i.id
         ), swapped AS (
           UPDATE systems s SET inventory_hash = latest.hash, inventory_received_at = latest.received_at
           FROM (SELECT DISTINCT ON (system_id) system_id, hash, received_at FROM dated ORDER BY system_id, position DESC) latest
           WHERE s.id = latest.system_id
         )${queued}
         SELECT id, received_at, previous FROM dated`,
        params,
      );
      const byId = new Map(stored.map((row) => [row.id, row]));
      // Null for an upload of a system destroyed meanwhile: its row is gone, nothing of it was stored.
      return uploads.map((upload) => {
        const row = byId.get(upload.id);
        return row ? { previousHash: row.previous, receivedAt: row.received_at } : null;
      });
    },

    async lockSystemsForProcessing(tx: Sql, systemIds: readonly string[]): Promise<Map<string, string>> {
      await tx.query("SELECT count(pg_advisory_xact_lock(hashtextextended('inventory:' || id, 0))) FROM unnest($1::text[]) AS id", [systemIds]);
      const { rows } = await tx.query<{ id: string; organization_id: string }>('SELECT id, organization_id FROM systems WHERE id = ANY($1::uuid[])', [
        systemIds,
      ]);
      return new Map(rows.map((row) => [row.id, row.organization_id]));
    },

    async pendingUploads(
      tx: Sql,
      systemIds: readonly string[],
      limit: { count: number; bytes: number },
    ): Promise<{ uploads: InventoryUpload[]; more: boolean }> {
      const { rows } = await tx.query<{ id: string; system_id: string; received_at: Date; hash: string; size: number; running: number }>(
        `SELECT id, system_id, received_at, hash, size, sum(size) OVER (ORDER BY system_id, received_at, id) AS running
         FROM (
           SELECT id, system_id, received_at, hash, size FROM inventory_uploads WHERE system_id = ANY($1::uuid[])
           ORDER BY system_id, received_at, id LIMIT $2
         ) first
         ORDER BY system_id, received_at, id`,
        [systemIds, limit.count + 1],
      );
      let taken = 0;
      while (taken < rows.length && taken < limit.count && (taken === 0 || Number(rows[taken]!.running) <= limit.bytes)) taken++;
      const uploads = rows.slice(0, taken).map((row) => ({ id: row.id, systemId: row.system_id, receivedAt: row.received_at, hash: row.hash, size: row.size }));
      return { uploads, more: rows.length > taken };
    },

    async uploadData(tx: Sql, uploadIds: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
      if (uploadIds.length === 0) return new Map();
      const { rows } = await tx.query<{ id: string; data: Record<string, unknown> }>('SELECT id, data FROM inventory_uploads WHERE id = ANY($1::uuid[])', [
        uploadIds,
      ]);
      return new Map(rows.map((row) => [row.id, row.data]));
    },

    async latestRecordHeads(tx: Sql, systemIds: readonly string[]): Promise<Map<string, RecordHead>> {
      const { rows } = await tx.query<{ system_id: string; id: string; hash: string; received_at: Date; size: number }>(
        `SELECT s.id AS system_id, r.id, r.hash, r.received_at, r.size
         FROM unnest($1::uuid[]) AS s (id)
         CROSS JOIN LATERAL (
           SELECT id, hash, received_at, size FROM inventory_records WHERE system_id = s.id ORDER BY received_at DESC, id DESC LIMIT 1
         ) r`,
        [systemIds],
      );
      return new Map(rows.map((row) => [row.system_id, { id: row.id, hash: row.hash, receivedAt: row.received_at, size: row.size }]));
    },

    async recordData(tx: Sql, recordIds: readonly string[]): Promise<Map<string, unknown>> {
      if (recordIds.length === 0) return new Map();
      const { rows } = await tx.query<{ id: string; data: unknown }>('SELECT id, data FROM inventory_records WHERE id = ANY($1::uuid[])', [recordIds]);
      return new Map(rows.map((row) => [row.id, row.data]));
    },

    async refreshRecords(tx: Sql, seen: ReadonlyMap<string, Date>): Promise<void> {
      if (seen.size === 0) return;
      await tx.query(
        `UPDATE inventory_records r SET last_seen_at = greatest(r.last_seen_at, seen.at)
         FROM unnest($1::uuid[], $2::timestamptz[]) AS seen (id, at) WHERE r.id = seen.id`,
        [[...seen.keys()], [...seen.values()]],
      );
    },

    async insertRecords(tx: Sql, records: readonly NewRecord[]): Promise<void> {
      if (records.length === 0) return;
      await tx.query(
        `INSERT INTO inventory_records (id, system_id, received_at, last_seen_at, hash, size, change_count, diff_limited, data)
         SELECT r.id, u.system_id, u.received_at, u.received_at, u.hash, u.size, r.change_count, r.diff_limited::jsonb, u.data
         FROM unnest($1::uuid[], $2::uuid[], $3::integer[], $4::text[]) AS r (id, upload_id, change_count, diff_limited)
         JOIN inventory_uploads u ON u.id = r.upload_id`,
        [
          records.map((record) => record.id),
          records.map((record) => record.uploadId),
          records.map((record) => record.changeCount),
          records.map((record) => json(record.limited)),
        ],
      );
    },

    async insertDiffs(tx: Sql, diffs: readonly NewDiff[]): Promise<Map<string, number>> {
      if (diffs.length === 0) return new Map();
      const column = <T>(pick: (diff: NewDiff) => T) => diffs.map(pick);
      const { rows } = await tx.query<{ id: number; record_id: string; field_path: string }>(
        `INSERT INTO inventory_diffs (system_id, organization_id, record_id, previous_record_id, detected_at, field_path, diff_type,
           previous_value, current_value, category, severity, significant, rule)
         SELECT d.system_id, d.organization_id, d.record_id, d.previous_record_id, d.detected_at, d.field_path, d.diff_type,
           d.previous_value::jsonb, d.current_value::jsonb, d.category, d.severity, d.significant, d.rule
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[],
           $10::text[], $11::text[], $12::boolean[], $13::text[])
           AS d (system_id, organization_id, record_id, previous_record_id, detected_at, field_path, diff_type, previous_value, current_value,
             category, severity, significant, rule)
         ON CONFLICT (record_id, md5(field_path)) DO NOTHING
         RETURNING id, record_id, field_path`,
        [
          column((diff) => diff.systemId),
          column((diff) => diff.organizationId),
          column((diff) => diff.recordId),
          column((diff) => diff.previousRecordId),
          column((diff) => diff.detectedAt),
          column((diff) => diff.fieldPath),
          column((diff) => diff.diffType),
          column((diff) => json(diff.previousValue)),
          column((diff) => json(diff.currentValue)),
          column((diff) => diff.category),
          column((diff) => diff.severity),
          column((diff) => diff.significant),
          column((diff) => diff.rule),
        ],
      );
      return new Map(rows.map((row) => [diffKey(row.record_id, row.field_path), row.id]));
    },

    async deleteUploads(tx: Sql, ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      await tx.query('DELETE FROM inventory_uploads WHERE id = ANY($1::uuid[])', [ids]);
    },

    async updateSummaries(tx: Sql, summaries: readonly { systemId: string; summary: SystemIdentity; lastInventoryAt: Date }[]): Promise<void> {
      if (summaries.length === 0) return;
      const column = <T>(pick: (entry: (typeof summaries)[number]) => T) => summaries.map(pick);
      await tx.query(
        `UPDATE systems s SET fqdn = v.fqdn, ipv4_address = v.ipv4_address, ipv6_address = v.ipv6_address, version = v.version, os = v.os,
           type = coalesce(v.type, s.type), last_inventory_at = greatest(s.last_inventory_at, v.last_inventory_at)
         FROM (SELECT id FROM systems WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE) locked,
           unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
             AS v (id, fqdn, ipv4_address, ipv6_address, version, os, type, last_inventory_at)
         WHERE s.id = locked.id AND v.id = locked.id`,
        [
          column((entry) => entry.systemId),
          column((entry) => entry.summary.fqdn),
          column((entry) => entry.summary.ipv4Address),
          column((entry) => entry.summary.ipv6Address),
          column((entry) => entry.summary.version),
          column((entry) => entry.summary.os),
          column((entry) => entry.summary.type),
          column((entry) => entry.lastInventoryAt),
        ],
      );
    },

    async saveSearchDocuments(tx: Sql, recordIds: readonly string[]): Promise<void> {
      if (recordIds.length === 0) return;
      await tx.query(
        `INSERT INTO system_search (system_id, document, updated_at)
         SELECT system_id, inventory_search_document(data), received_at FROM inventory_records WHERE id = ANY($1::uuid[])
         ON CONFLICT (system_id) DO UPDATE SET document = excluded.document, updated_at = excluded.updated_at`,
        [recordIds],
      );
    },

    async saveHostProfiles(tx: Sql, profiles: readonly NewHostProfile[]): Promise<void> {
      if (profiles.length === 0) return;
      const column = <T>(pick: (entry: (typeof profiles)[number]) => T) => profiles.map(pick);
      await tx.query(
        // A new profile starts as live as its system; the systems' trigger keeps it so (migration 0026).
        `INSERT INTO host_profiles (system_id, organization_id, canonical_facts, system_profile, os_name, os_major, os_minor, updated_at, live)
         SELECT p.*, s.deleted_at IS NULL
         FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[], $4::jsonb[], $5::text[], $6::int[], $7::int[], $8::timestamptz[])
           AS p (system_id, organization_id, canonical_facts, system_profile, os_name, os_major, os_minor, updated_at)
         JOIN systems s ON s.id = p.system_id
         ON CONFLICT (system_id) DO UPDATE SET canonical_facts = excluded.canonical_facts, system_profile = excluded.system_profile,
           os_name = excluded.os_name, os_major = excluded.os_major, os_minor = excluded.os_minor, updated_at = excluded.updated_at`,
        [
          column((entry) => entry.systemId),
          column((entry) => entry.organizationId),
          column((entry) => JSON.stringify(entry.profile.canonicalFacts)),
          column((entry) => JSON.stringify(entry.profile.systemProfile)),
          column((entry) => entry.profile.systemProfile.operating_system?.name ?? null),
          column((entry) => entry.profile.systemProfile.operating_system?.major ?? null),
          column((entry) => entry.profile.systemProfile.operating_system?.minor ?? null),
          column((entry) => entry.at),
        ],
      );
    },
  };
}
/** How stored diffs are matched back to the changes they came from. */
export const diffKey = (recordId: string, fieldPath: string) => `${recordId}\u0000${fieldPath}`;
