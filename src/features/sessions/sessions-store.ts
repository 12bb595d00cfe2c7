import type { Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';

/** A session as its user sees it: never its token nor the token's hash. */
export interface Session {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  address: string | null;
  userAgent: string | null;
}

/** What verifying a cookie needs. */
export interface SessionCredentials {
  id: string;
  userId: string;
  tokenHash: string;
  lastSeenAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  address: string | null;
  user_agent: string | null;
}

export interface NewSession {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  address: string | null;
  userAgent: string | null;
}

export type SessionSort = 'created_at' | 'last_seen_at';

export interface SessionFilter extends PageRequest {
  sort: SessionSort;
  order: 'asc' | 'desc';
}

const COLUMNS = 'id, user_id, created_at, last_seen_at, expires_at, address, user_agent';

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    address: row.address,
    userAgent: row.user_agent,
  };
}

export interface SessionsStore {
  insert(session: NewSession): Promise<Session>;
  findCredentials(tokenHash: string): Promise<SessionCredentials | null>;
  /** The user's sessions neither revoked nor past `activeSince` (idle) or `now` (absolute). */
  listActive(userId: string, now: Date, activeSince: Date, filter: SessionFilter): Promise<Page<Session>>;
  /** Marks the user's session revoked; false when the user has no such session not revoked yet. */
  revoke(tx: Sql, userId: string, sessionId: string, now: Date): Promise<boolean>;
  /** Deletes the sessions that ended (expired, idle or revoked) before `before`; how many. */
  deleteEnded(before: Date, idleMs: number): Promise<number>;
  /** Records a use, unless one was recorded less than `minIntervalSeconds` before (by any node). */
  touch(sessionId: string, now: Date, minIntervalSeconds: number): Promise<void>;
}

export function createSessionsStore(sql: Sql): SessionsStore {
  return {
    async insert(session: NewSession): Promise<Session> {
      const { rows } = await sql.query<SessionRow>(
        `INSERT INTO sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at, address, user_agent)
         VALUES ($1, $2, $3, $4, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
        [session.id, session.userId, session.tokenHash, session.createdAt, session.expiresAt, session.address, session.userAgent],
      );
      return toSession(rows[0]!);
    },

    async findCredentials(tokenHash: string): Promise<SessionCredentials | null> {
      const { rows } = await sql.query<{ id: string; user_id: string; token_hash: string; last_seen_at: Date; expires_at: Date; revoked_at: Date | null }>(
        'SELECT id, user_id, token_hash, last_seen_at, expires_at, revoked_at FROM sessions WHERE token_hash = $1',
        [tokenHash],
        { prepareAs: 'session_credentials' },
      );
      const row = rows[0];
      return row
        ? { id: row.id, userId: row.user_id, tokenHash: row.token_hash, lastSeenAt: row.last_seen_at, expiresAt: row.expires_at, revokedAt: row.revoked_at }
        : null;
    },

    async listActive(userId: string, now: Date, activeSince: Date, filter: SessionFilter): Promise<Page<Session>> {
      const where = 'WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3';
      const params = [userId, now, activeSince];
      const { rows: countRows } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM sessions ${where}`, params);
      const direction = filter.order === 'desc' ? 'DESC' : 'ASC';
      const { rows } = await sql.query<SessionRow>(
        `SELECT ${COLUMNS} FROM sessions ${where} ORDER BY ${filter.sort} ${direction}, id LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`,
        params,
      );
      return { items: rows.map(toSession), total: countRows[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async revoke(tx: Sql, userId: string, sessionId: string, now: Date): Promise<boolean> {
      const { rowCount } = await tx.query('UPDATE sessions SET revoked_at = $3 WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL', [
        userId,
        sessionId,
        now,
      ]);
      return rowCount > 0;
    },

    async deleteEnded(before: Date, idleMs: number): Promise<number> {
      const { rowCount } = await sql.query(
        `DELETE FROM sessions
         WHERE expires_at < $1 OR revoked_at < $1 OR last_seen_at < $1::timestamptz - make_interval(secs => $2)`,
        [before, idleMs / 1000],
      );
      return rowCount;
    },

    async touch(sessionId: string, now: Date, minIntervalSeconds: number): Promise<void> {
      await sql.query(
        `UPDATE sessions SET last_seen_at = $2
         WHERE id = $1 AND last_seen_at <= $2::timestamptz - make_interval(secs => $3)`,
        [sessionId, now, minIntervalSeconds],
      );
    },
  };
}
