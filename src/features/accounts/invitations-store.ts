import type { Sql } from '../../db/db.ts';

export interface Invitation {
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export interface InvitationsStore {
  insert(tx: Sql, invitation: { tokenHash: string; userId: string; expiresAt: Date }, now: Date): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<Invitation | null>;
  /** Marks the invitation used if it is still usable at `now`; its user, or null when it was not. */
  consume(tx: Sql, tokenHash: string, now: Date): Promise<string | null>;
  /** Marks every invitation of the user still unused as used (their password is set). */
  closeAll(tx: Sql, userId: string, now: Date): Promise<void>;
}

export function createInvitationsStore(sql: Sql): InvitationsStore {
  return {
    async insert(tx: Sql, invitation: { tokenHash: string; userId: string; expiresAt: Date }, now: Date): Promise<void> {
      await tx.query('INSERT INTO user_invitations (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4)', [
        invitation.tokenHash,
        invitation.userId,
        invitation.expiresAt,
        now,
      ]);
    },

    async findByTokenHash(tokenHash: string): Promise<Invitation | null> {
      const { rows } = await sql.query<{ user_id: string; expires_at: Date; used_at: Date | null }>(
        'SELECT user_id, expires_at, used_at FROM user_invitations WHERE token_hash = $1',
        [tokenHash],
      );
      return rows[0] ? { userId: rows[0].user_id, expiresAt: rows[0].expires_at, usedAt: rows[0].used_at } : null;
    },

    async consume(tx: Sql, tokenHash: string, now: Date): Promise<string | null> {
      const { rows } = await tx.query<{ user_id: string }>(
        'UPDATE user_invitations SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING user_id',
        [tokenHash, now],
      );
      return rows[0]?.user_id ?? null;
    },

    async closeAll(tx: Sql, userId: string, now: Date): Promise<void> {
      await tx.query('UPDATE user_invitations SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL', [userId, now]);
    },
  };
}
