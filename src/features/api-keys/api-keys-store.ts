import type { Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';
import type { Scope } from './scopes.ts';

/** An organization API key as the management API shows it: never its secret nor its hash. */
export interface ApiKey {
  id: string;
  organizationId: string;
  name: string;
  scopes: Scope[];
  publicId: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** What verifying a key needs. */
export interface ApiKeyCredentials {
  id: string;
  organizationId: string;
  scopes: Scope[];
  keyHash: string;
  revokedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  organization_id: string;
  name: string;
  scopes: Scope[];
  public_id: string;
  created_at: Date;
  last_used_at: Date | null;
}

export type ApiKeySort = 'name' | 'created_at' | 'last_used_at';

export interface ApiKeyFilter extends PageRequest {
  sort: ApiKeySort;
  order: 'asc' | 'desc';
}

const COLUMNS = 'id, organization_id, name, scopes, public_id, created_at, last_used_at';
const SORT_COLUMNS: Record<ApiKeySort, string> = { name: 'lower(name)', created_at: 'created_at', last_used_at: 'last_used_at' };

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    scopes: row.scopes,
    publicId: row.public_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

export interface NewApiKey {
  id: string;
  organizationId: string;
  name: string;
  scopes: Scope[];
  publicId: string;
  keyHash: string;
  createdAt: Date;
}

export interface ApiKeysStore {
  insert(key: NewApiKey): Promise<ApiKey>;
  /** The organization's keys that are not revoked. */
  list(organizationId: string, filter: ApiKeyFilter): Promise<Page<ApiKey>>;
  findCredentials(publicId: string): Promise<ApiKeyCredentials | null>;
  /** Marks the key revoked; false when the organization has no such key not revoked yet. */
  revoke(tx: Sql, organizationId: string, keyId: string, now: Date): Promise<boolean>;
  /** Records a use, unless one was recorded less than `minIntervalSeconds` before (by any node). */
  touch(keyId: string, now: Date, minIntervalSeconds: number): Promise<void>;
}

export function createApiKeysStore(sql: Sql): ApiKeysStore {
  return {
    async insert(key: NewApiKey): Promise<ApiKey> {
      const { rows } = await sql.query<ApiKeyRow>(
        `INSERT INTO organization_api_keys (id, organization_id, name, scopes, public_id, key_hash, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [key.id, key.organizationId, key.name, key.scopes, key.publicId, key.keyHash, key.createdAt],
      );
      return toApiKey(rows[0]!);
    },

    async list(organizationId: string, filter: ApiKeyFilter): Promise<Page<ApiKey>> {
      const where = 'WHERE organization_id = $1 AND revoked_at IS NULL';
      const { rows: countRows } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM organization_api_keys ${where}`, [organizationId]);
      const direction = filter.order === 'desc' ? 'DESC' : 'ASC';
      const { rows } = await sql.query<ApiKeyRow>(
        `SELECT ${COLUMNS} FROM organization_api_keys ${where}
         ORDER BY ${SORT_COLUMNS[filter.sort]} ${direction} NULLS LAST, id LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`,
        [organizationId],
      );
      return { items: rows.map(toApiKey), total: countRows[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async findCredentials(publicId: string): Promise<ApiKeyCredentials | null> {
      const { rows } = await sql.query<{ id: string; organization_id: string; scopes: Scope[]; key_hash: string; revoked_at: Date | null }>(
        'SELECT id, organization_id, scopes, key_hash, revoked_at FROM organization_api_keys WHERE public_id = $1',
        [publicId],
      );
      const row = rows[0];
      return row ? { id: row.id, organizationId: row.organization_id, scopes: row.scopes, keyHash: row.key_hash, revokedAt: row.revoked_at } : null;
    },

    async revoke(tx: Sql, organizationId: string, keyId: string, now: Date): Promise<boolean> {
      const { rowCount } = await tx.query('UPDATE organization_api_keys SET revoked_at = $3 WHERE organization_id = $1 AND id = $2 AND revoked_at IS NULL', [
        organizationId,
        keyId,
        now,
      ]);
      return rowCount > 0;
    },

    async touch(keyId: string, now: Date, minIntervalSeconds: number): Promise<void> {
      await sql.query(
        `UPDATE organization_api_keys SET last_used_at = $2
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - make_interval(secs => $3))`,
        [keyId, now, minIntervalSeconds],
      );
    },
  };
}
