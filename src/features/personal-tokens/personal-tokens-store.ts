import type { Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';

/** A personal token as its owner sees it: never its secret nor its hash. */
export interface PersonalToken {
  id: string;
  userId: string;
  name: string;
  publicId: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
}

/** What verifying a token needs. */
export interface PersonalTokenCredentials {
  id: string;
  userId: string;
  tokenHash: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

interface PersonalTokenRow {
  id: string;
  user_id: string;
  name: string;
  public_id: string;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

export type PersonalTokenSort = 'name' | 'created_at' | 'last_used_at' | 'expires_at';

export interface PersonalTokenFilter extends PageRequest {
  sort: PersonalTokenSort;
  order: 'asc' | 'desc';
}

export type NewPersonalToken = Omit<PersonalToken, 'lastUsedAt'> & { tokenHash: string };

const COLUMNS = 'id, user_id, name, public_id, created_at, expires_at, last_used_at';
const SORT_COLUMNS: Record<PersonalTokenSort, string> = {
  name: 'lower(name)',
  created_at: 'created_at',
  last_used_at: 'last_used_at',
  expires_at: 'expires_at',
};

function toToken(row: PersonalTokenRow): PersonalToken {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    publicId: row.public_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

export interface PersonalTokensStore {
  insert(tx: Sql, token: NewPersonalToken): Promise<PersonalToken>;
  /** The user's tokens that are not revoked (expired ones too, so they can be seen and removed). */
  list(userId: string, filter: PersonalTokenFilter): Promise<Page<PersonalToken>>;
  findCredentials(publicId: string): Promise<PersonalTokenCredentials | null>;
  /** Marks the token revoked; false when the user has no such token not revoked yet. */
  revoke(tx: Sql, userId: string, tokenId: string, now: Date): Promise<boolean>;
  /** Records a use, unless one was recorded less than `minIntervalSeconds` before (by any node). */
  touch(tokenId: string, now: Date, minIntervalSeconds: number): Promise<void>;
}

export function createPersonalTokensStore(sql: Sql): PersonalTokensStore {
  return {
    async insert(tx: Sql, token: NewPersonalToken): Promise<PersonalToken> {
      const { rows } = await tx.query<PersonalTokenRow>(
        `INSERT INTO personal_tokens (id, user_id, name, public_id, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [token.id, token.userId, token.name, token.publicId, token.tokenHash, token.createdAt, token.expiresAt],
      );
      return toToken(rows[0]!);
    },

    async list(userId: string, filter: PersonalTokenFilter): Promise<Page<PersonalToken>> {
      const where = 'WHERE user_id = $1 AND revoked_at IS NULL';
      const { rows: countRows } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM personal_tokens ${where}`, [userId]);
      const direction = filter.order === 'desc' ? 'DESC' : 'ASC';
      const { rows } = await sql.query<PersonalTokenRow>(
        `SELECT ${COLUMNS} FROM personal_tokens ${where}
         ORDER BY ${SORT_COLUMNS[filter.sort]} ${direction} NULLS LAST, id LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`,
        [userId],
      );
      return { items: rows.map(toToken), total: countRows[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async findCredentials(publicId: string): Promise<PersonalTokenCredentials | null> {
      const { rows } = await sql.query<{ id: string; user_id: string; token_hash: string; expires_at: Date | null; revoked_at: Date | null }>(
        'SELECT id, user_id, token_hash, expires_at, revoked_at FROM personal_tokens WHERE public_id = $1',
        [publicId],
      );
      const row = rows[0];
      return row ? { id: row.id, userId: row.user_id, tokenHash: row.token_hash, expiresAt: row.expires_at, revokedAt: row.revoked_at } : null;
    },

    async revoke(tx: Sql, userId: string, tokenId: string, now: Date): Promise<boolean> {
      const { rowCount } = await tx.query('UPDATE personal_tokens SET revoked_at = $3 WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL', [
        userId,
        tokenId,
        now,
      ]);
      return rowCount > 0;
    },

    async touch(tokenId: string, now: Date, minIntervalSeconds: number): Promise<void> {
      await sql.query(
        `UPDATE personal_tokens SET last_used_at = $2
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - make_interval(secs => $3))`,
        [tokenId, now, minIntervalSeconds],
      );
    },
  };
}
