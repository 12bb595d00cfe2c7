import { containsPattern, whereBuilder, type Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';
import type { ChangeRecord, ChangeType } from '../../domain/changes.ts';

export interface RecordSummary {
  id: string;
  receivedAt: Date;
  lastSeenAt: Date;
  hash: string;
  size: number;
  changeCount: number;
  diffLimited: unknown;
}

export interface InventoryRecord extends RecordSummary {
  data: unknown;
}

export interface Diff extends ChangeRecord {
  id: number;
  /** The system's current name (changes are listed fleet-wide too). */
  systemName: string;
}

export interface DiffFilter extends PageRequest {
  systemId?: string | undefined;
  /** Only these organizations' changes; all when undefined. */
  organizationIds?: readonly string[] | undefined;
  severity?: string[] | undefined;
  category?: string[] | undefined;
  diffType?: string[] | undefined;
  significant?: boolean | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  search?: string | undefined;
  order: 'asc' | 'desc';
}

export interface TimelineDay {
  date: string;
  total: number;
  bySeverity: Record<'low' | 'medium' | 'high' | 'critical', number>;
}

const RECORD_COLUMNS = 'id, received_at, last_seen_at, hash, size, change_count, diff_limited';

type RecordRow = {
  id: string;
  received_at: Date;
  last_seen_at: Date;
  hash: string;
  size: number;
  change_count: number;
  diff_limited: unknown;
  data?: unknown;
};

function toRecord(row: RecordRow): InventoryRecord {
  return {
    id: row.id,
    receivedAt: row.received_at,
    lastSeenAt: row.last_seen_at,
    hash: row.hash,
    size: row.size,
    changeCount: row.change_count,
    diffLimited: row.diff_limited,
    data: row.data,
  };
}

type DiffRow = {
  id: number;
  system_id: string;
  system_name: string;
  organization_id: string;
  record_id: string;
  previous_record_id: string;
  detected_at: Date;
  field_path: string;
  diff_type: ChangeType;
  previous_value: unknown;
  current_value: unknown;
  category: string;
  severity: string;
  significant: boolean;
  rule: string;
};

function toDiff(row: DiffRow): Diff {
  return {
    id: row.id,
    systemId: row.system_id,
    systemName: row.system_name,
    organizationId: row.organization_id,
    recordId: row.record_id,
    previousRecordId: row.previous_record_id,
    detectedAt: row.detected_at,
    fieldPath: row.field_path,
    diffType: row.diff_type,
    previousValue: row.previous_value,
    currentValue: row.current_value,
    category: row.category,
    severity: row.severity,
    significant: row.significant,
    rule: row.rule,
  };
}

/** An inventory processing could not handle, set aside (the latest per system). */
export interface SetAsideInventory {
  id: string;
  receivedAt: Date;
  failedAt: Date;
  hash: string;
  size: number;
  error: string;
}

export interface InventoryQueries {
  setAside(systemId: string): Promise<SetAsideInventory | null>;
  /** How many systems have an inventory set aside. */
  countSetAside(): Promise<number>;
  latest(systemId: string): Promise<InventoryRecord | null>;
  record(systemId: string, recordId: string): Promise<InventoryRecord | null>;
  records(systemId: string, page: PageRequest, order: 'asc' | 'desc'): Promise<Page<RecordSummary>>;
  diffs(filter: DiffFilter): Promise<Page<Diff>>;
  /** How many systems have a change of `severity` since `since` (deleted systems left out). */
  systemsWithChanges(filter: { organizationIds?: readonly string[] | undefined; severity: string; since: Date }): Promise<number>;
  /** Changes per UTC day between `from` and `to`, with counts per severity; days without changes are left out. */
  /** Changes per calendar day in `timeZone` (an IANA name the caller has checked; default UTC). */
  timeline(systemId: string, from: Date, to: Date, significantOnly: boolean, timeZone?: string): Promise<TimelineDay[]>;
}

/** What operators read of inventories: records, diffs, the timeline. */
export function createInventoryQueries(sql: Sql): InventoryQueries {
  return {
    async setAside(systemId: string): Promise<SetAsideInventory | null> {
      // Without its data: what could not be processed may be too deep to present.
      const { rows } = await sql.query<{ id: string; received_at: Date; failed_at: Date; hash: string; size: number; error: string }>(
        'SELECT id, received_at, failed_at, hash, size, error FROM inventory_failed_uploads WHERE system_id = $1 ORDER BY failed_at DESC LIMIT 1',
        [systemId],
      );
      const row = rows[0];
      return row ? { id: row.id, receivedAt: row.received_at, failedAt: row.failed_at, hash: row.hash, size: row.size, error: row.error } : null;
    },

    async countSetAside(): Promise<number> {
      const { rows } = await sql.query<{ count: number }>('SELECT count(*)::integer AS count FROM inventory_failed_uploads');
      return rows[0]?.count ?? 0;
    },

    async latest(systemId: string): Promise<InventoryRecord | null> {
      const { rows } = await sql.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS}, data FROM inventory_records WHERE system_id = $1 ORDER BY received_at DESC, id DESC LIMIT 1`,
        [systemId],
      );
      return rows[0] ? toRecord(rows[0]) : null;
    },

    async record(systemId: string, recordId: string): Promise<InventoryRecord | null> {
      const { rows } = await sql.query<RecordRow>(`SELECT ${RECORD_COLUMNS}, data FROM inventory_records WHERE system_id = $1 AND id = $2`, [
        systemId,
        recordId,
      ]);
      return rows[0] ? toRecord(rows[0]) : null;
    },

    async records(systemId: string, page: PageRequest, order: 'asc' | 'desc'): Promise<Page<RecordSummary>> {
      const direction = order === 'asc' ? 'ASC' : 'DESC';
      const { rows: count } = await sql.query<{ total: number }>('SELECT count(*)::int AS total FROM inventory_records WHERE system_id = $1', [systemId]);
      const { rows } = await sql.query<RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM inventory_records WHERE system_id = $1
         ORDER BY received_at ${direction}, id ${direction} LIMIT ${page.pageSize} OFFSET ${offsetOf(page)}`,
        [systemId],
      );
      return { items: rows.map(toRecord), total: count[0]?.total ?? 0, page: page.page, pageSize: page.pageSize };
    },

    async diffs(filter: DiffFilter): Promise<Page<Diff>> {
      const { conditions, params, param, where: whereClause } = whereBuilder();
      if (filter.systemId) conditions.push(`system_id = ${param(filter.systemId)}`);
      if (filter.organizationIds) conditions.push(`organization_id = ANY(${param(filter.organizationIds)}::uuid[])`);
      if (filter.severity?.length) conditions.push(`severity = ANY(${param(filter.severity)}::text[])`);
      if (filter.category?.length) conditions.push(`category = ANY(${param(filter.category)}::text[])`);
      if (filter.diffType?.length) conditions.push(`diff_type = ANY(${param(filter.diffType)}::text[])`);
      if (filter.significant !== undefined) conditions.push(filter.significant ? 'significant' : 'NOT significant');
      if (filter.from) conditions.push(`detected_at >= ${param(filter.from)}`);
      if (filter.to) conditions.push(`detected_at < ${param(filter.to)}`);
      if (filter.search) {
        const pattern = param(containsPattern(filter.search));
        conditions.push(`(field_path ILIKE ${pattern} OR previous_value::text ILIKE ${pattern} OR current_value::text ILIKE ${pattern})`);
      }
      const where = whereClause();
      const direction = filter.order === 'asc' ? 'ASC' : 'DESC';
      const { rows: count } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM inventory_diffs ${where}`, params);
      const { rows } = await sql.query<DiffRow>(
        `SELECT d.*, (SELECT s.name FROM systems s WHERE s.id = d.system_id) AS system_name
         FROM inventory_diffs d ${where} ORDER BY detected_at ${direction}, id ${direction}
         LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`,
        params,
      );
      return { items: rows.map(toDiff), total: count[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async systemsWithChanges(filter: { organizationIds?: readonly string[] | undefined; severity: string; since: Date }): Promise<number> {
      const { rows } = await sql.query<{ count: number }>(
        `SELECT count(DISTINCT d.system_id)::int AS count FROM inventory_diffs d JOIN systems s ON s.id = d.system_id
         WHERE d.detected_at >= $1 AND d.severity = $2 AND s.deleted_at IS NULL AND ($3::uuid[] IS NULL OR d.organization_id = ANY($3::uuid[]))`,
        [filter.since, filter.severity, filter.organizationIds ?? null],
      );
      return rows[0]?.count ?? 0;
    },

    async timeline(systemId: string, from: Date, to: Date, significantOnly: boolean, timeZone = 'UTC'): Promise<TimelineDay[]> {
      const { rows } = await sql.query<{ day: string; severity: string; count: number }>(
        `SELECT to_char(detected_at AT TIME ZONE $5, 'YYYY-MM-DD') AS day, severity, count(*)::int AS count
         FROM inventory_diffs
         WHERE system_id = $1 AND detected_at >= $2 AND detected_at < $3 AND ($4::boolean = false OR significant)
         GROUP BY 1, 2 ORDER BY 1 DESC`,
        [systemId, from, to, significantOnly, timeZone],
      );
      const days = new Map<string, TimelineDay>();
      for (const row of rows) {
        let day = days.get(row.day);
        if (!day) {
          day = { date: row.day, total: 0, bySeverity: { low: 0, medium: 0, high: 0, critical: 0 } };
          days.set(row.day, day);
        }
        day.bySeverity[row.severity as keyof TimelineDay['bySeverity']] = row.count;
        day.total += row.count;
      }
      return [...days.values()];
    },
  };
}
