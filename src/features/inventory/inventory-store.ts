import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { Sql } from '../../db/db.ts';
import type { InventorySummary } from './summary/inventory-summary.ts';

export interface InventoryUpload {
  id: string;
  receivedAt: Date;
  hash: string;
  size: number;
  data: Record<string, unknown>;
}

export interface NewUpload {
  systemId: string;
  receivedAt: Date;
  hash: string;
  size: number;
  /** The inventory as received (valid JSON). */
  json: string;
}

export interface LatestRecord {
  id: string;
  hash: string;
  receivedAt: Date;
  data: unknown;
}

export interface NewDiff {
  fieldPath: string;
  diffType: 'create' | 'update' | 'delete';
  previousValue: unknown;
  currentValue: unknown;
  category: string;
  severity: string;
  significant: boolean;
  rule: string;
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/** The writes of inventory ingest and processing; every function runs in the caller's transaction. */
export const inventoryWrites = {
  /**
   * Stores received inventories, in the order given, and answers for each the hash of the one
   * its system received before it. The systems' latest hashes are locked in id order, so
   * concurrent batches (several nodes) cannot deadlock.
   */
  async insertUploads(tx: Sql, uploads: readonly NewUpload[]): Promise<(string | null)[]> {
    if (uploads.length === 0) return [];
    // One parameter per value: a 16 KB JSON text sent as an array element would be escaped twice.
    const params: unknown[] = [];
    const rows = uploads.map((upload) => {
      const at = params.length;
      params.push(uuidv7(), upload.systemId, upload.receivedAt, upload.hash, upload.size, upload.json);
      return `($${at + 1}::uuid, $${at + 2}::uuid, $${at + 3}::timestamptz, $${at + 4}, $${at + 5}::integer, $${at + 6}::jsonb)`;
    });
    await tx.query(`INSERT INTO inventory_uploads (id, system_id, received_at, hash, size, data) VALUES ${rows.join(', ')}`, params);

    const latestBySystem = new Map<string, string>();
    for (const upload of uploads) latestBySystem.set(upload.systemId, upload.hash);
    const { rows: previous } = await tx.query<{ id: string; previous: string | null }>(
      `UPDATE systems s SET inventory_hash = latest.hash
       FROM (SELECT id, inventory_hash AS previous FROM systems WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE) old,
         unnest($1::uuid[], $2::text[]) AS latest (id, hash)
       WHERE s.id = old.id AND latest.id = old.id
       RETURNING s.id, old.previous`,
      [[...latestBySystem.keys()], [...latestBySystem.values()]],
    );
    const before = new Map(previous.map((row) => [row.id, row.previous]));
    return uploads.map((upload) => {
      const hash = before.get(upload.systemId) ?? null;
      before.set(upload.systemId, upload.hash);
      return hash;
    });
  },

  /** Locks the system so its inventories are processed one transaction at a time, in order. */
  async lockSystem(tx: Sql, systemId: string): Promise<{ organizationId: string } | null> {
    const { rows } = await tx.query<{ organization_id: string }>('SELECT organization_id FROM systems WHERE id = $1 FOR UPDATE', [systemId]);
    return rows[0] ? { organizationId: rows[0].organization_id } : null;
  },

  async pendingUploads(tx: Sql, systemId: string, limit: number): Promise<InventoryUpload[]> {
    const { rows } = await tx.query<{ id: string; received_at: Date; hash: string; size: number; data: Record<string, unknown> }>(
      'SELECT id, received_at, hash, size, data FROM inventory_uploads WHERE system_id = $1 ORDER BY received_at, id LIMIT $2',
      [systemId, limit],
    );
    return rows.map((row) => ({ id: row.id, receivedAt: row.received_at, hash: row.hash, size: row.size, data: row.data }));
  },

  async latestRecord(tx: Sql, systemId: string): Promise<LatestRecord | null> {
    const { rows } = await tx.query<{ id: string; hash: string; received_at: Date; data: unknown }>(
      'SELECT id, hash, received_at, data FROM inventory_records WHERE system_id = $1 ORDER BY received_at DESC, id DESC LIMIT 1',
      [systemId],
    );
    return rows[0] ? { id: rows[0].id, hash: rows[0].hash, receivedAt: rows[0].received_at, data: rows[0].data } : null;
  },

  async refreshRecord(tx: Sql, recordId: string, seenAt: Date): Promise<void> {
    await tx.query('UPDATE inventory_records SET last_seen_at = greatest(last_seen_at, $2) WHERE id = $1', [recordId, seenAt]);
  },

  async insertRecord(tx: Sql, systemId: string, upload: InventoryUpload, changeCount: number, limited: unknown): Promise<string> {
    const id = randomUUID();
    await tx.query(
      `INSERT INTO inventory_records (id, system_id, received_at, last_seen_at, hash, size, change_count, diff_limited, data)
       VALUES ($1, $2, $3, $3, $4, $5, $6, $7::jsonb, $8::jsonb)`,
      [id, systemId, upload.receivedAt, upload.hash, upload.size, changeCount, json(limited), JSON.stringify(upload.data)],
    );
    return id;
  },

  async insertDiffs(
    tx: Sql,
    context: { systemId: string; organizationId: string; recordId: string; previousRecordId: string; detectedAt: Date },
    diffs: readonly NewDiff[],
  ): Promise<Map<string, number>> {
    if (diffs.length === 0) return new Map();
    const { rows } = await tx.query<{ id: number; field_path: string }>(
      `INSERT INTO inventory_diffs (system_id, organization_id, record_id, previous_record_id, detected_at, field_path, diff_type,
         previous_value, current_value, category, severity, significant, rule)
       SELECT $1, $2, $3, $4, $5, d.field_path, d.diff_type, d.previous_value::jsonb, d.current_value::jsonb, d.category, d.severity, d.significant, d.rule
       FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[], $13::text[])
         AS d (field_path, diff_type, previous_value, current_value, category, severity, significant, rule)
       ON CONFLICT (record_id, field_path) DO NOTHING
       RETURNING id, field_path`,
      [
        context.systemId,
        context.organizationId,
        context.recordId,
        context.previousRecordId,
        context.detectedAt,
        diffs.map((diff) => diff.fieldPath),
        diffs.map((diff) => diff.diffType),
        diffs.map((diff) => json(diff.previousValue)),
        diffs.map((diff) => json(diff.currentValue)),
        diffs.map((diff) => diff.category),
        diffs.map((diff) => diff.severity),
        diffs.map((diff) => diff.significant),
        diffs.map((diff) => diff.rule),
      ],
    );
    /** Id of each stored diff by its path. */
    return new Map(rows.map((row) => [row.field_path, row.id]));
  },

  async deleteUploads(tx: Sql, ids: readonly string[]): Promise<void> {
    await tx.query('DELETE FROM inventory_uploads WHERE id = ANY($1::uuid[])', [ids]);
  },

  async updateSummary(tx: Sql, systemId: string, summary: InventorySummary, lastInventoryAt: Date): Promise<void> {
    await tx.query(
      `UPDATE systems SET fqdn = $2, ipv4_address = $3, ipv6_address = $4, version = $5, os = $6,
         type = coalesce($7, type), last_inventory_at = greatest(last_inventory_at, $8)
       WHERE id = $1`,
      [systemId, summary.fqdn, summary.ipv4Address, summary.ipv6Address, summary.version, summary.os, summary.type, lastInventoryAt],
    );
  },
};
