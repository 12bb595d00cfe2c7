import type { Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';

import { ROLES, type Role } from '../../domain/access.ts';

export { ROLES, type Role };

/** A user's membership of an organization, with the user's email and name. */
export interface Member {
  organizationId: string;
  userId: string;
  role: Role;
  email: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

interface MemberRow {
  organization_id: string;
  user_id: string;
  role: Role;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

export type MemberSort = 'email' | 'name' | 'role' | 'created_at';

export interface MemberFilter extends PageRequest {
  sort: MemberSort;
  order: 'asc' | 'desc';
}

const SELECT = `SELECT m.organization_id, m.user_id, m.role, u.email, u.name, m.created_at, m.updated_at
  FROM organization_members m JOIN users u ON u.id = m.user_id`;
// Roles sort from the most to the least powerful.
const SORT_COLUMNS: Record<MemberSort, string> = {
  email: 'lower(u.email)',
  name: 'lower(u.name)',
  role: `array_position(ARRAY[${ROLES.map((role) => `'${role}'`).join(', ')}]::text[], m.role)`,
  created_at: 'm.created_at',
};

function toMember(row: MemberRow): Member {
  return {
    organizationId: row.organization_id,
    userId: row.user_id,
    role: row.role,
    email: row.email,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface MembersStore {
  find(organizationId: string, userId: string, runner?: Sql): Promise<Member | null>;
  list(organizationId: string, filter: MemberFilter): Promise<Page<Member>>;
  /**
   * Locks the owner memberships of the organization, or of every organization the user owns,
   * until the transaction ends, so that two changes cannot each remove a different one of the
   * last two owners; returns them.
   */
  lockOwners(tx: Sql, scope: { organizationId: string } | { ownedBy: string }): Promise<{ organizationId: string; userId: string }[]>;
  /** Creates the membership or changes its role. */
  upsert(tx: Sql, organizationId: string, userId: string, role: Role, now: Date): Promise<void>;
  /** The user's roles, organization id → role. */
  rolesOf(tx: Sql, userId: string): Promise<Map<string, Role>>;
  delete(tx: Sql, organizationId: string, userId: string): Promise<boolean>;
}

export function createMembersStore(sql: Sql): MembersStore {
  return {
    async find(organizationId: string, userId: string, runner: Sql = sql): Promise<Member | null> {
      const { rows } = await runner.query<MemberRow>(`${SELECT} WHERE m.organization_id = $1 AND m.user_id = $2`, [organizationId, userId]);
      return rows[0] ? toMember(rows[0]) : null;
    },

    async list(organizationId: string, filter: MemberFilter): Promise<Page<Member>> {
      const { rows: countRows } = await sql.query<{ total: number }>('SELECT count(*)::int AS total FROM organization_members WHERE organization_id = $1', [
        organizationId,
      ]);
      const order = `${SORT_COLUMNS[filter.sort]} ${filter.order === 'desc' ? 'DESC' : 'ASC'}, m.user_id`;
      const { rows } = await sql.query<MemberRow>(
        `${SELECT} WHERE m.organization_id = $1 ORDER BY ${order} LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`,
        [organizationId],
      );
      return { items: rows.map(toMember), total: countRows[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async lockOwners(tx: Sql, scope: { organizationId: string } | { ownedBy: string }): Promise<{ organizationId: string; userId: string }[]> {
      const organizations = 'organizationId' in scope ? '$1::uuid' : `(SELECT organization_id FROM organization_members WHERE user_id = $1 AND role = 'owner')`;
      const { rows } = await tx.query<{ organization_id: string; user_id: string }>(
        `SELECT organization_id, user_id FROM organization_members WHERE organization_id IN (${organizations}) AND role = 'owner'
         ORDER BY organization_id, user_id FOR UPDATE`,
        ['organizationId' in scope ? scope.organizationId : scope.ownedBy],
      );
      return rows.map((row) => ({ organizationId: row.organization_id, userId: row.user_id }));
    },

    async upsert(tx: Sql, organizationId: string, userId: string, role: Role, now: Date): Promise<void> {
      await tx.query(
        `INSERT INTO organization_members (organization_id, user_id, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (organization_id, user_id) DO UPDATE SET role = EXCLUDED.role, updated_at = EXCLUDED.updated_at
         WHERE organization_members.role IS DISTINCT FROM EXCLUDED.role`,
        [organizationId, userId, role, now],
      );
    },

    async rolesOf(tx: Sql, userId: string): Promise<Map<string, Role>> {
      const { rows } = await tx.query<{ organization_id: string; role: Role }>('SELECT organization_id, role FROM organization_members WHERE user_id = $1', [
        userId,
      ]);
      return new Map(rows.map((row) => [row.organization_id, row.role]));
    },

    async delete(tx: Sql, organizationId: string, userId: string): Promise<boolean> {
      const { rowCount } = await tx.query('DELETE FROM organization_members WHERE organization_id = $1 AND user_id = $2', [organizationId, userId]);
      return rowCount > 0;
    },
  };
}
