import type { AuditEntry } from '../../db/audit-scope.ts';
import { whereBuilder, type Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';

export interface AuditFilter extends PageRequest {
  /** undefined: every organization, and rows without one. */
  organizationIds: readonly string[] | undefined;
  actorType?: AuditEntry['actorType'];
  actorId?: string;
  action?: string;
  outcome?: AuditEntry['outcome'];
  targetId?: string;
  from?: Date;
  to?: Date;
}

interface AuditRow {
  id: string;
  occurred_at: Date;
  actor_type: AuditEntry['actorType'];
  actor_id: string | null;
  user_id: string | null;
  organization_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: AuditEntry['outcome'];
  http_status: number;
  address: string | null;
  user_agent: string | null;
  details: AuditEntry['details'];
}

const COLUMNS =
  'id, occurred_at, actor_type, actor_id, user_id, organization_id, action, target_type, target_id, outcome, http_status, address, user_agent, details';

function toEntry(row: AuditRow): AuditEntry {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    actorType: row.actor_type,
    actorId: row.actor_id,
    userId: row.user_id,
    organizationId: row.organization_id,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    outcome: row.outcome,
    httpStatus: row.http_status,
    address: row.address,
    userAgent: row.user_agent,
    details: row.details,
  };
}

export interface AuditStore {
  /** Inserts a row through `sql`: the change's transaction, or a transaction of its own. */
  insert(sql: Sql, entry: AuditEntry): Promise<void>;
  setStatus(id: string, httpStatus: number): Promise<void>;
  /** Newest first. */
  list(filter: AuditFilter): Promise<Page<AuditEntry>>;
  /** Deletes at most `limit` rows older than `before`; how many. */
  deleteOlderThan(before: Date, limit: number): Promise<number>;
}

export function createAuditStore(sql: Sql): AuditStore {
  return {
    async insert(target: Sql, entry: AuditEntry): Promise<void> {
      await target.query(`INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, [
        entry.id,
        entry.occurredAt,
        entry.actorType,
        entry.actorId,
        entry.userId,
        entry.organizationId,
        entry.action,
        entry.targetType,
        entry.targetId,
        entry.outcome,
        entry.httpStatus,
        entry.address,
        entry.userAgent,
        JSON.stringify(entry.details),
      ]);
    },

    async setStatus(id: string, httpStatus: number): Promise<void> {
      await sql.query('UPDATE audit_log SET http_status = $2 WHERE id = $1', [id, httpStatus]);
    },

    async list(filter: AuditFilter): Promise<Page<AuditEntry>> {
      const { param, conditions, params, where } = whereBuilder();
      if (filter.organizationIds !== undefined) conditions.push(`organization_id = ANY(${param(filter.organizationIds)}::uuid[])`);
      if (filter.actorType !== undefined) conditions.push(`actor_type = ${param(filter.actorType)}`);
      if (filter.actorId !== undefined) conditions.push(`actor_id = ${param(filter.actorId)}`);
      if (filter.action !== undefined) conditions.push(`action = ${param(filter.action)}`);
      if (filter.outcome !== undefined) conditions.push(`outcome = ${param(filter.outcome)}`);
      if (filter.targetId !== undefined) conditions.push(`target_id = ${param(filter.targetId)}`);
      if (filter.from !== undefined) conditions.push(`occurred_at >= ${param(filter.from)}`);
      if (filter.to !== undefined) conditions.push(`occurred_at < ${param(filter.to)}`);
      const { rows: countRows } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM audit_log ${where()}`, params);
      const { rows } = await sql.query<AuditRow>(
        `SELECT ${COLUMNS} FROM audit_log ${where()} ORDER BY occurred_at DESC, id DESC LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`,
        params,
      );
      return { items: rows.map(toEntry), total: countRows[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async deleteOlderThan(before: Date, limit: number): Promise<number> {
      const { rowCount } = await sql.query(
        'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE occurred_at < $1 ORDER BY occurred_at LIMIT $2)',
        [before, limit],
      );
      return rowCount;
    },
  };
}
