import { randomUUID } from 'node:crypto';
import { containsPattern, type Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';

export interface Organization {
  id: string;
  name: string;
  isDefault: boolean;
  heartbeatTimeoutSeconds: number | null;
  heartbeatWarningSeconds: number | null;
  systemCount: number;
  createdAt: Date;
  updatedAt: Date;
}

interface OrganizationRow {
  id: string;
  name: string;
  is_default: boolean;
  heartbeat_timeout_seconds: number | null;
  heartbeat_warning_seconds: number | null;
  system_count: number;
  created_at: Date;
  updated_at: Date;
}

export type OrganizationSort = 'name' | 'created_at';

export interface OrganizationFilter extends PageRequest {
  search?: string | undefined;
  /** Only these organizations; all when undefined. */
  ids?: readonly string[] | undefined;
  sort: OrganizationSort;
  order: 'asc' | 'desc';
}

/** An organization's own thresholds (null: inherited) and what a dialect keeps for it (null: nothing yet). */
export interface DialectSettingsRow {
  heartbeatTimeoutSeconds: number | null;
  heartbeatWarningSeconds: number | null;
  value: unknown;
}

export interface ThresholdsChange {
  name?: string | undefined;
  heartbeatTimeoutSeconds?: number | null | undefined;
  heartbeatWarningSeconds?: number | null | undefined;
}

const SELECT = `SELECT o.*,
  (SELECT count(*) FROM systems s WHERE s.organization_id = o.id AND s.deleted_at IS NULL)::int AS system_count
  FROM organizations o`;

const SORT_COLUMNS: Record<OrganizationSort, string> = { name: 'lower(o.name)', created_at: 'o.created_at' };

function toOrganization(row: OrganizationRow): Organization {
  return {
    id: row.id,
    name: row.name,
    isDefault: row.is_default,
    heartbeatTimeoutSeconds: row.heartbeat_timeout_seconds,
    heartbeatWarningSeconds: row.heartbeat_warning_seconds,
    systemCount: row.system_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface OrganizationsStore {
  insert(
    tx: Sql,
    input: { name: string; isDefault?: boolean; heartbeatTimeoutSeconds?: number | null; heartbeatWarningSeconds?: number | null },
    now: Date,
  ): Promise<Organization | null>;
  findById(id: string, runner?: Sql): Promise<Organization | null>;
  findDefault(runner?: Sql): Promise<Organization | null>;
  list(filter: OrganizationFilter): Promise<Page<Organization>>;
  /** Applies the fields present in `change`; returns false when the organization does not exist. */
  update(tx: Sql, id: string, change: ThresholdsChange, now: Date): Promise<boolean>;
  nameTaken(name: string, exceptId?: string): Promise<boolean>;
  /** The organization with this name in any case, or null. */
  findByName(name: string): Promise<Organization | null>;
  /** The organization's own thresholds and a dialect's settings for it; null for no such organization. */
  findDialectSettings(id: string, dialect: string): Promise<DialectSettingsRow | null>;
  saveDialectSettings(tx: Sql, id: string, dialect: string, value: unknown, now: Date): Promise<void>;
}

export function createOrganizationsStore(sql: Sql): OrganizationsStore {
  return {
    async insert(
      tx: Sql,
      input: { name: string; isDefault?: boolean; heartbeatTimeoutSeconds?: number | null; heartbeatWarningSeconds?: number | null },
      now: Date,
    ): Promise<Organization | null> {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO organizations (id, name, is_default, heartbeat_timeout_seconds, heartbeat_warning_seconds, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT DO NOTHING RETURNING id`,
        [randomUUID(), input.name, input.isDefault ?? false, input.heartbeatTimeoutSeconds ?? null, input.heartbeatWarningSeconds ?? null, now],
      );
      return rows[0] ? this.findById(rows[0].id, tx) : null;
    },

    async findById(id: string, runner: Sql = sql): Promise<Organization | null> {
      const { rows } = await runner.query<OrganizationRow>(`${SELECT} WHERE o.id = $1`, [id]);
      return rows[0] ? toOrganization(rows[0]) : null;
    },

    async findDefault(runner: Sql = sql): Promise<Organization | null> {
      const { rows } = await runner.query<OrganizationRow>(`${SELECT} WHERE o.is_default`);
      return rows[0] ? toOrganization(rows[0]) : null;
    },

    async list(filter: OrganizationFilter): Promise<Page<Organization>> {
      const params: unknown[] = [];
      const conditions: string[] = [];
      if (filter.search) {
        params.push(containsPattern(filter.search));
        conditions.push(`o.name ILIKE $${params.length}`);
      }
      if (filter.ids) {
        params.push(filter.ids);
        conditions.push(`o.id = ANY($${params.length}::uuid[])`);
      }
      const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
      const { rows: countRows } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM organizations o ${where}`, params);
      const order = `${SORT_COLUMNS[filter.sort]} ${filter.order === 'desc' ? 'DESC' : 'ASC'}, o.id`;
      const { rows } = await sql.query<OrganizationRow>(`${SELECT} ${where} ORDER BY ${order} LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`, params);
      return { items: rows.map(toOrganization), total: countRows[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async update(tx: Sql, id: string, change: ThresholdsChange, now: Date): Promise<boolean> {
      const sets: string[] = [];
      const params: unknown[] = [id, now];
      const set = (column: string, value: unknown) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      };
      if (change.name !== undefined) set('name', change.name);
      if (change.heartbeatTimeoutSeconds !== undefined) set('heartbeat_timeout_seconds', change.heartbeatTimeoutSeconds);
      if (change.heartbeatWarningSeconds !== undefined) set('heartbeat_warning_seconds', change.heartbeatWarningSeconds);
      const { rowCount } = await tx.query(`UPDATE organizations SET ${[...sets, 'updated_at = $2'].join(', ')} WHERE id = $1`, params);
      return rowCount > 0;
    },

    async findByName(name: string): Promise<Organization | null> {
      const { rows } = await sql.query<OrganizationRow>(`${SELECT} WHERE lower(o.name) = lower($1)`, [name]);
      return rows[0] ? toOrganization(rows[0]) : null;
    },

    async findDialectSettings(id: string, dialect: string): Promise<DialectSettingsRow | null> {
      // No system count here: a dialect reads this on its hot paths.
      const { rows } = await sql.query<{ heartbeat_timeout_seconds: number | null; heartbeat_warning_seconds: number | null; value: unknown }>(
        `SELECT o.heartbeat_timeout_seconds, o.heartbeat_warning_seconds, d.value
         FROM organizations o LEFT JOIN organization_dialect_settings d ON d.organization_id = o.id AND d.dialect = $2
         WHERE o.id = $1`,
        [id, dialect],
      );
      const row = rows[0];
      if (!row) return null;
      return { heartbeatTimeoutSeconds: row.heartbeat_timeout_seconds, heartbeatWarningSeconds: row.heartbeat_warning_seconds, value: row.value ?? null };
    },

    async saveDialectSettings(tx: Sql, id: string, dialect: string, value: unknown, now: Date): Promise<void> {
      await tx.query(
        `INSERT INTO organization_dialect_settings (organization_id, dialect, value, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (organization_id, dialect) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [id, dialect, JSON.stringify(value), now],
      );
    },

    async nameTaken(name: string, exceptId?: string): Promise<boolean> {
      const { rows } = await sql.query('SELECT 1 FROM organizations WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2::uuid', [name, exceptId ?? null]);
      return rows.length > 0;
    },
  };
}
