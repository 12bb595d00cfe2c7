import { randomUUID } from 'node:crypto';
import { containsPattern, whereBuilder, type Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';

/** A user as the service sees it: whether a password is set, never its hash. */
export interface User {
  id: string;
  email: string;
  name: string;
  passwordSet: boolean;
  globalAdmin: boolean;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_set: boolean;
  global_admin: boolean;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type UserSort = 'email' | 'name' | 'created_at';

export interface UserFilter extends PageRequest {
  /** Part of the email or the name, any case. */
  search?: string | undefined;
  sort: UserSort;
  order: 'asc' | 'desc';
}

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string | null;
  globalAdmin: boolean;
}

/** The columns to change; `disabledAt` null re-enables. */
export interface UserChange {
  email?: string | undefined;
  name?: string | undefined;
  passwordHash?: string | undefined;
  globalAdmin?: boolean | undefined;
  disabledAt?: Date | null | undefined;
}

const SELECT = `SELECT u.id, u.email, u.name, u.password_hash IS NOT NULL AS password_set, u.global_admin, u.disabled_at, u.created_at, u.updated_at FROM users u`;
const SORT_COLUMNS: Record<UserSort, string> = { email: 'lower(u.email)', name: 'lower(u.name)', created_at: 'u.created_at' };

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordSet: row.password_set,
    globalAdmin: row.global_admin,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface UsersStore {
  /** The new user, or null when the email is taken (in any case). */
  insert(tx: Sql, user: NewUser, now: Date): Promise<User | null>;
  findById(id: string, runner?: Sql): Promise<User | null>;
  /** The user with this email in any case, or null. */
  findByEmail(email: string, runner?: Sql): Promise<User | null>;
  list(filter: UserFilter): Promise<Page<User>>;
  emailTaken(email: string, exceptId?: string): Promise<boolean>;
  /** What checking a sign-in needs (any case of the email), or null for no such user. */
  findSignIn(email: string): Promise<{ id: string; passwordHash: string | null; disabled: boolean } | null>;
  /** Applies the fields present in `change`; false when the user does not exist. */
  update(tx: Sql, id: string, change: UserChange, now: Date): Promise<boolean>;
  /** Deletes the user with their memberships and invitations; false when there was none. */
  delete(tx: Sql, id: string): Promise<boolean>;
}

export function createUsersStore(sql: Sql): UsersStore {
  return {
    async insert(tx: Sql, user: NewUser, now: Date): Promise<User | null> {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO users (id, email, name, password_hash, global_admin, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT DO NOTHING RETURNING id`,
        [randomUUID(), user.email, user.name, user.passwordHash, user.globalAdmin, now],
      );
      return rows[0] ? this.findById(rows[0].id, tx) : null;
    },

    async findById(id: string, runner: Sql = sql): Promise<User | null> {
      const { rows } = await runner.query<UserRow>(`${SELECT} WHERE u.id = $1`, [id]);
      return rows[0] ? toUser(rows[0]) : null;
    },

    async findByEmail(email: string, runner: Sql = sql): Promise<User | null> {
      const { rows } = await runner.query<UserRow>(`${SELECT} WHERE lower(u.email) = lower($1)`, [email]);
      return rows[0] ? toUser(rows[0]) : null;
    },

    async list(filter: UserFilter): Promise<Page<User>> {
      const { params, conditions, param, where } = whereBuilder();
      if (filter.search) {
        const pattern = param(containsPattern(filter.search));
        conditions.push(`(u.email ILIKE ${pattern} OR u.name ILIKE ${pattern})`);
      }
      const { rows: countRows } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM users u ${where()}`, params);
      const order = `${SORT_COLUMNS[filter.sort]} ${filter.order === 'desc' ? 'DESC' : 'ASC'}, u.id`;
      const { rows } = await sql.query<UserRow>(`${SELECT} ${where()} ORDER BY ${order} LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`, params);
      return { items: rows.map(toUser), total: countRows[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async emailTaken(email: string, exceptId?: string): Promise<boolean> {
      const { rows } = await sql.query('SELECT 1 FROM users WHERE lower(email) = lower($1) AND id IS DISTINCT FROM $2::uuid', [email, exceptId ?? null]);
      return rows.length > 0;
    },

    async findSignIn(email: string) {
      const { rows } = await sql.query<{ id: string; password_hash: string | null; disabled: boolean }>(
        'SELECT id, password_hash, disabled_at IS NOT NULL AS disabled FROM users WHERE lower(email) = lower($1)',
        [email],
      );
      const row = rows[0];
      return row ? { id: row.id, passwordHash: row.password_hash, disabled: row.disabled } : null;
    },

    async update(tx: Sql, id: string, change: UserChange, now: Date): Promise<boolean> {
      const params: unknown[] = [id, now];
      const sets = ['updated_at = $2'];
      const set = (column: string, value: unknown) => {
        params.push(value);
        sets.push(`${column} = $${params.length}`);
      };
      if (change.email !== undefined) set('email', change.email);
      if (change.name !== undefined) set('name', change.name);
      if (change.passwordHash !== undefined) set('password_hash', change.passwordHash);
      if (change.globalAdmin !== undefined) set('global_admin', change.globalAdmin);
      if (change.disabledAt === null) sets.push('disabled_at = NULL');
      // Disabling again keeps the time it was first disabled.
      else if (change.disabledAt !== undefined) {
        params.push(change.disabledAt);
        sets.push(`disabled_at = COALESCE(disabled_at, $${params.length})`);
      }
      const { rowCount } = await tx.query(`UPDATE users SET ${sets.join(', ')} WHERE id = $1`, params);
      return rowCount > 0;
    },

    async delete(tx: Sql, id: string): Promise<boolean> {
      const { rowCount } = await tx.query('DELETE FROM users WHERE id = $1', [id]);
      return rowCount > 0;
    },
  };
}
