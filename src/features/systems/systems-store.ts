import { randomUUID } from 'node:crypto';
import { containsPattern, whereBuilder, type Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';
import type { LivenessStatus, SystemState } from './system-status.ts';

export interface System {
  id: string;
  organizationId: string;
  organizationName: string;
  name: string;
  type: string | null;
  /** The dialect that created the system for a peer's component (`heartbeat-daemon`), or null. */
  source: string | null;
  /** The component's name in its dialect (an xname), or null. */
  externalId: string | null;
  systemKey: string;
  labels: Record<string, string>;
  status: LivenessStatus;
  lastHeartbeat: Date | null;
  statusChangedAt: Date | null;
  fqdn: string | null;
  ipv4Address: string | null;
  ipv6Address: string | null;
  version: string | null;
  os: string | null;
  /** The Muster agent's version its requests last named (null: no agent seen), and since when. */
  agentVersion: string | null;
  agentVersionChangedAt: Date | null;
  lastInventoryAt: Date | null;
  registeredAt: Date | null;
  suspendedAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What authentication needs to know about a system; never leaves the server. */
export interface SystemCredentials {
  id: string;
  organizationId: string;
  systemKey: string;
  secretPublic: string;
  secretSalt: string;
  secretHash: string;
  registeredAt: Date | null;
  suspendedAt: Date | null;
  deletedAt: Date | null;
  agentVersion: string | null;
}

interface SystemRow {
  id: string;
  organization_id: string;
  organization_name: string;
  name: string;
  type: string | null;
  source: string | null;
  external_id: string | null;
  system_key: string;
  labels: Record<string, string>;
  status: LivenessStatus;
  last_heartbeat: Date | null;
  status_changed_at: Date | null;
  fqdn: string | null;
  ipv4_address: string | null;
  ipv6_address: string | null;
  version: string | null;
  os: string | null;
  agent_version: string | null;
  agent_version_changed_at: Date | null;
  last_inventory_at: Date | null;
  registered_at: Date | null;
  suspended_at: Date | null;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface LockedSystem {
  id: string;
  systemKey: string;
  labels: Record<string, string>;
  suspendedAt: Date | null;
  deletedAt: Date | null;
}

interface CredentialsRow {
  id: string;
  organization_id: string;
  system_key: string;
  secret_public: string;
  secret_salt: string;
  secret_hash: string;
  registered_at: Date | null;
  suspended_at: Date | null;
  deleted_at: Date | null;
  agent_version: string | null;
}

export type SystemSort =
  'name' | 'type' | 'status' | 'created_at' | 'registered_at' | 'last_heartbeat' | 'last_inventory_at' | 'organization' | 'agent_version';

/** Live systems by liveness status, with the suspended and deleted ones counted apart. */
export type SystemCountsByStatus = Record<LivenessStatus, number> & { suspended: number; deleted: number; total: number };

/** A label filter: the key with this value (one of these values), or the key with any value when `values` is empty. */
export interface LabelFilter {
  key: string;
  values: string[];
}

export interface SystemFilter extends PageRequest {
  status?: LivenessStatus[] | undefined;
  /** Where the system stands, lifecycle included (system-status.ts); a filter naming `deleted` shows deleted systems. */
  state?: SystemState[] | undefined;
  /** Every one of these labels (a system matches a filter by any of its values). */
  labels?: LabelFilter[] | undefined;
  type?: string[] | undefined;
  /** Systems whose Muster agent has one of these versions (exactly); null stands for systems without one. */
  agentVersions?: (string | null)[] | undefined;
  /** Only these organizations' systems; all when undefined. */
  organizationIds?: readonly string[] | undefined;
  search?: string | undefined;
  /** Soft-deleted systems are hidden unless asked for. */
  deleted?: 'exclude' | 'include' | 'only' | undefined;
  suspended?: boolean | undefined;
  sort: SystemSort;
  order: 'asc' | 'desc';
}

export interface NewSystem {
  organizationId: string;
  name: string;
  type: string | null;
  labels: Record<string, string>;
  systemKey: string;
  secretPublic: string;
  secretSalt: string;
  secretHash: string;
}

const SELECT = `SELECT s.id, s.organization_id, o.name AS organization_name, s.name, s.type, s.source, s.external_id, s.system_key, s.labels,
  l.status, l.last_heartbeat, l.status_changed_at, s.fqdn, s.ipv4_address, s.ipv6_address, s.version, s.os,
  s.agent_version, s.agent_version_changed_at, s.last_inventory_at, s.registered_at, s.suspended_at, s.deleted_at, s.created_at, s.updated_at
  FROM systems s
  JOIN system_liveness l ON l.system_id = s.id
  JOIN organizations o ON o.id = s.organization_id`;

const SELECT_CREDENTIALS = `SELECT id, organization_id, system_key, secret_public, secret_salt, secret_hash,
  registered_at, suspended_at, deleted_at, agent_version FROM systems`;

/**
 * The states of system-status.ts (stateOf) in SQL, each as plain conditions on the columns: the
 * planner estimates these from the columns' statistics (a CASE it cannot), so a filter by state walks the order's
 * index when most systems match instead of sorting them all.
 */
const LIVE_REGISTERED = 's.deleted_at IS NULL AND s.suspended_at IS NULL AND s.registered_at IS NOT NULL';
const STATE_CONDITION: Record<SystemState, string> = {
  deleted: 's.deleted_at IS NOT NULL',
  suspended: '(s.deleted_at IS NULL AND s.suspended_at IS NOT NULL)',
  never_registered: '(s.deleted_at IS NULL AND s.suspended_at IS NULL AND s.registered_at IS NULL)',
  awaiting_first_heartbeat: `(${LIVE_REGISTERED} AND l.status = 'unknown')`,
  active: `(${LIVE_REGISTERED} AND l.status = 'active')`,
  warning: `(${LIVE_REGISTERED} AND l.status = 'warning')`,
  inactive: `(${LIVE_REGISTERED} AND l.status = 'inactive')`,
};

/** Sorting by status puts the worst first (ascending): silent, then warning, waiting, never registered, active, suspended, deleted. */
const STATE_RANK = `CASE WHEN s.deleted_at IS NOT NULL THEN 6 WHEN s.suspended_at IS NOT NULL THEN 5 WHEN s.registered_at IS NULL THEN 3
  ELSE CASE l.status WHEN 'inactive' THEN 0 WHEN 'warning' THEN 1 WHEN 'unknown' THEN 2 ELSE 4 END END`;

/**
 * Agent versions in version order, not as text (1.10.0 after 1.9.2): their numbers (validated on
 * the way in, agent-version.ts), then a release after its pre-releases (1.2.0-rc.1, 1.2.0).
 */
const AGENT_VERSION_ORDER = `(string_to_array(substring(s.agent_version from '^[0-9.]+'), '.')::numeric[]
  || ARRAY[CASE WHEN s.agent_version ~ '^[0-9.]+(\\+|$)' THEN 1 ELSE 0 END]::numeric[])`;

/** Sort keys that are never null (the status rank is a CASE that always answers). */
const NOT_NULL_SORTS = new Set<SystemSort>(['name', 'status', 'created_at', 'organization']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const SORT_COLUMNS: Record<SystemSort, string> = {
  name: 'lower(s.name)',
  type: 's.type',
  status: STATE_RANK,
  created_at: 's.created_at',
  registered_at: 's.registered_at',
  last_heartbeat: 'l.last_heartbeat',
  last_inventory_at: 's.last_inventory_at',
  organization: 'lower(o.name)',
  agent_version: AGENT_VERSION_ORDER,
};

function toSystem(row: SystemRow): System {
  return {
    id: row.id,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    name: row.name,
    type: row.type,
    source: row.source,
    externalId: row.external_id,
    systemKey: row.system_key,
    labels: row.labels,
    status: row.status,
    lastHeartbeat: row.last_heartbeat,
    statusChangedAt: row.status_changed_at,
    fqdn: row.fqdn,
    ipv4Address: row.ipv4_address,
    ipv6Address: row.ipv6_address,
    version: row.version,
    os: row.os,
    agentVersion: row.agent_version,
    agentVersionChangedAt: row.agent_version_changed_at,
    lastInventoryAt: row.last_inventory_at,
    registeredAt: row.registered_at,
    suspendedAt: row.suspended_at,
    deletedAt: row.deleted_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toCredentials(row: CredentialsRow): SystemCredentials {
  return {
    id: row.id,
    organizationId: row.organization_id,
    systemKey: row.system_key,
    secretPublic: row.secret_public,
    secretSalt: row.secret_salt,
    secretHash: row.secret_hash,
    registeredAt: row.registered_at,
    suspendedAt: row.suspended_at,
    deletedAt: row.deleted_at,
    agentVersion: row.agent_version,
  };
}

export interface SystemsStore {
  insert(tx: Sql, system: NewSystem, now: Date): Promise<string>;
  findById(id: string, runner?: Sql): Promise<System | null>;
  findCredentialsByKey(systemKey: string): Promise<SystemCredentials | null>;
  /** Locks the row: registration must not race with itself or with a secret regeneration. */
  findCredentialsBySecretPublic(tx: Sql, secretPublic: string): Promise<SystemCredentials | null>;
  /** Locks and returns the row, for state changes that must see the latest version. */
  lockById(tx: Sql, id: string): Promise<SystemCredentials | null>;
  /** Locks these systems (in id order, so that two bulk changes cannot deadlock), those of `organizationIds` only when given. */
  /** The labels in use on live systems, each key and value with how many systems carry it, at most `limit`, by key. */
  countLabels(organizationIds: readonly string[] | undefined, limit: number): Promise<{ key: string; value: string; count: number }[]>;
  lockMany(tx: Sql, ids: readonly string[], organizationIds: readonly string[] | undefined): Promise<LockedSystem[]>;
  list(filter: SystemFilter): Promise<Page<System>>;
  update(tx: Sql, id: string, change: { name?: string | undefined; labels?: Record<string, string> | undefined }, now: Date): Promise<void>;
  setSecret(tx: Sql, id: string, secret: { secretPublic: string; secretSalt: string; secretHash: string }, now: Date): Promise<void>;
  /** Stores the system's agent version unless it is that already (then nothing is written). */
  setAgentVersion(id: string, version: string, now: Date): Promise<void>;
  /** Sets one of the lifecycle timestamps (registered_at, suspended_at, deleted_at) to `value`. */
  setLifecycle(tx: Sql, id: string, column: 'registered_at' | 'suspended_at' | 'deleted_at', value: Date | null, now: Date): Promise<void>;
  /**
   * Soft-deletes up to `limit` live systems of the organization last checked in (LAST_CHECK_IN)
   * at or before `cutoff`; answers their keys, for revoking their credentials.
   */
  deleteSilent(tx: Sql, organizationId: string, cutoff: Date, limit: number, now: Date): Promise<{ id: string; systemKey: string }[]>;
  /** Removes the system and, through foreign keys, everything recorded about it. */
  destroy(tx: Sql, id: string): Promise<void>;
  countByStatus(organizationIds?: readonly string[]): Promise<SystemCountsByStatus>;
  /** Systems that are not deleted, per type (those without one left out), the most common first. */
  countByType(organizationIds?: readonly string[]): Promise<{ type: string; count: number }[]>;
  /** Systems that are not deleted, per type (null: none) and version (null: none reported yet), the most common first within a type. */
  countByVersion(organizationIds?: readonly string[]): Promise<{ type: string | null; version: string | null; count: number }[]>;
  /** Systems that are not deleted, per Muster agent version (null: none), the most common first. */
  countByAgentVersion(organizationIds?: readonly string[]): Promise<{ version: string | null; count: number }[]>;
}

/**
 * A system's last check-in, in SQL over \`systems s\` and \`system_liveness l\`: its latest report
 * of any kind (a heartbeat from any dialect, or an inventory), else when it registered or was created.
 */
export const LAST_CHECK_IN = 'coalesce(greatest(l.last_heartbeat, s.last_inventory_at), s.registered_at, s.created_at)';

export function createSystemsStore(sql: Sql): SystemsStore {
  return {
    async insert(tx: Sql, system: NewSystem, now: Date): Promise<string> {
      const id = randomUUID();
      await tx.query(
        `INSERT INTO systems (id, organization_id, name, type, system_key, secret_public, secret_salt, secret_hash, labels, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
        [
          id,
          system.organizationId,
          system.name,
          system.type,
          system.systemKey,
          system.secretPublic,
          system.secretSalt,
          system.secretHash,
          JSON.stringify(system.labels),
          now,
        ],
      );
      await tx.query('INSERT INTO system_liveness (system_id) VALUES ($1)', [id]);
      return id;
    },

    async findById(id: string, runner: Sql = sql): Promise<System | null> {
      const { rows } = await runner.query<SystemRow>(`${SELECT} WHERE s.id = $1`, [id]);
      return rows[0] ? toSystem(rows[0]) : null;
    },

    async findCredentialsByKey(systemKey: string): Promise<SystemCredentials | null> {
      const { rows } = await sql.query<CredentialsRow>(`${SELECT_CREDENTIALS} WHERE system_key = $1`, [systemKey]);
      return rows[0] ? toCredentials(rows[0]) : null;
    },

    async findCredentialsBySecretPublic(tx: Sql, secretPublic: string): Promise<SystemCredentials | null> {
      const { rows } = await tx.query<CredentialsRow>(`${SELECT_CREDENTIALS} WHERE secret_public = $1 FOR UPDATE`, [secretPublic]);
      return rows[0] ? toCredentials(rows[0]) : null;
    },

    async lockMany(tx: Sql, ids: readonly string[], organizationIds: readonly string[] | undefined): Promise<LockedSystem[]> {
      const { rows } = await tx.query<{ id: string; system_key: string; labels: Record<string, string>; suspended_at: Date | null; deleted_at: Date | null }>(
        `SELECT id, system_key, labels, suspended_at, deleted_at FROM systems
         WHERE id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR organization_id = ANY($2::uuid[]))
         ORDER BY id FOR UPDATE`,
        [ids, organizationIds ?? null],
      );
      return rows.map((row) => ({ id: row.id, systemKey: row.system_key, labels: row.labels, suspendedAt: row.suspended_at, deletedAt: row.deleted_at }));
    },

    async lockById(tx: Sql, id: string): Promise<SystemCredentials | null> {
      const { rows } = await tx.query<CredentialsRow>(`${SELECT_CREDENTIALS} WHERE id = $1 FOR UPDATE`, [id]);
      return rows[0] ? toCredentials(rows[0]) : null;
    },

    async list(filter: SystemFilter): Promise<Page<System>> {
      const { conditions, params, param, where: whereClause } = whereBuilder();
      // A state filter naming deleted systems shows them: the filter says which.
      const deleted = filter.deleted ?? (filter.state?.includes('deleted') ? 'include' : 'exclude');
      if (deleted === 'exclude') conditions.push('s.deleted_at IS NULL');
      if (deleted === 'only') conditions.push('s.deleted_at IS NOT NULL');
      if (filter.suspended !== undefined) conditions.push(filter.suspended ? 's.suspended_at IS NOT NULL' : 's.suspended_at IS NULL');
      if (filter.status?.length) conditions.push(`l.status = ANY(${param(filter.status)}::text[])`);
      if (filter.state?.length) conditions.push(`(${filter.state.map((state) => STATE_CONDITION[state]).join(' OR ')})`);
      if (filter.type?.length) conditions.push(`s.type = ANY(${param(filter.type)}::text[])`);
      if (filter.agentVersions?.length) {
        const versions = filter.agentVersions.filter((version) => version !== null);
        const matches = [
          ...(versions.length ? [`s.agent_version = ANY(${param(versions)}::text[])`] : []),
          ...(filter.agentVersions.includes(null) ? ['s.agent_version IS NULL'] : []),
        ];
        conditions.push(`(${matches.join(' OR ')})`);
      }
      if (filter.organizationIds) conditions.push(`s.organization_id = ANY(${param(filter.organizationIds)}::uuid[])`);
      for (const label of filter.labels ?? []) {
        // Containment and key-exists, both answered by the labels' GIN index (migration 0024).
        if (label.values.length === 0) conditions.push(`s.labels ? ${param(label.key)}`);
        else conditions.push(`(${label.values.map((value) => `s.labels @> ${param(JSON.stringify({ [label.key]: value }))}::jsonb`).join(' OR ')})`);
      }
      if (filter.search) {
        // The system's own fields and labels by substring, through their trigram index (migration
        // 0029); its latest inventory by words, through the search documents' index (0028). The
        // documents' matches are an array, not IN (subquery): so each side is an index scan and
        // PostgreSQL ORs their bitmaps instead of testing every row against a hashed subplan.
        const idMatch = UUID.test(filter.search.trim()) ? ` OR s.id = ${param(filter.search.trim().toLowerCase())}::uuid` : '';
        conditions.push(
          // The fields are a line each: a search's own line breaks (and other controls) are spaces, so it stays within one field.
          `(s.search_text ILIKE ${param(containsPattern(filter.search.replace(/\p{Cc}/gu, ' ')))}${idMatch}
            OR s.id = ANY(ARRAY(SELECT system_id FROM system_search WHERE document @@ inventory_search_query(${param(filter.search)}))))`,
        );
      }
      const where = whereClause();
      const direction = filter.order === 'desc' ? 'DESC' : 'ASC';
      // Never-null keys get no NULLS clause, so that ascending by name walks its index (lower(name), id).
      const nulls = NOT_NULL_SORTS.has(filter.sort) ? '' : filter.order === 'desc' ? 'NULLS LAST' : 'NULLS FIRST';
      // Ties keep one order, by name, whatever the direction: a status's systems stay alphabetical.
      const order = `${SORT_COLUMNS[filter.sort]} ${direction} ${nulls}, ${filter.sort === 'name' ? `s.id ${direction}` : 'lower(s.name), s.id'}`;
      // Liveness is joined only where a condition or the order reads it (each names its table's alias).
      const liveness = (text: string) => (/\bl\./.test(text) ? 'JOIN system_liveness l ON l.system_id = s.id' : '');
      const { rows: countRows } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM systems s ${liveness(where)} ${where}`, params);
      // The page's ids first, sorting narrow rows (the organizations joined only to sort by their
      // name), then those rows whole: a deep page or a sort by an expression sorts every match.
      const organizations = filter.sort === 'organization' ? 'JOIN organizations o ON o.id = s.organization_id' : '';
      const { rows: page } = await sql.query<{ id: string }>(
        `SELECT s.id FROM systems s ${liveness(`${where} ${order}`)} ${organizations} ${where}
         ORDER BY ${order} LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`,
        params,
      );
      const ids = page.map((row) => row.id);
      const { rows: unordered } = ids.length ? await sql.query<SystemRow>(`${SELECT} WHERE s.id = ANY($1::uuid[])`, [ids]) : { rows: [] };
      const byId = new Map(unordered.map((row) => [row.id, row]));
      // A system deleted for good between the two statements is left out.
      const rows = ids.flatMap((id) => byId.get(id) ?? []);
      return { items: rows.map(toSystem), total: countRows[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },

    async update(tx: Sql, id: string, change: { name?: string | undefined; labels?: Record<string, string> | undefined }, now: Date): Promise<void> {
      await tx.query(`UPDATE systems SET name = coalesce($2, name), labels = coalesce($3::jsonb, labels), updated_at = $4 WHERE id = $1`, [
        id,
        change.name ?? null,
        change.labels === undefined ? null : JSON.stringify(change.labels),
        now,
      ]);
    },

    async setSecret(tx: Sql, id: string, secret: { secretPublic: string; secretSalt: string; secretHash: string }, now: Date): Promise<void> {
      await tx.query('UPDATE systems SET secret_public = $2, secret_salt = $3, secret_hash = $4, updated_at = $5 WHERE id = $1', [
        id,
        secret.secretPublic,
        secret.secretSalt,
        secret.secretHash,
        now,
      ]);
    },

    async setAgentVersion(id: string, version: string, now: Date): Promise<void> {
      await sql.query('UPDATE systems SET agent_version = $2, agent_version_changed_at = $3 WHERE id = $1 AND agent_version IS DISTINCT FROM $2', [
        id,
        version,
        now,
      ]);
    },

    async setLifecycle(tx: Sql, id: string, column: 'registered_at' | 'suspended_at' | 'deleted_at', value: Date | null, now: Date): Promise<void> {
      await tx.query(`UPDATE systems SET ${column} = $2, updated_at = $3 WHERE id = $1`, [id, value, now]);
    },

    async deleteSilent(tx: Sql, organizationId: string, cutoff: Date, limit: number, now: Date): Promise<{ id: string; systemKey: string }[]> {
      const { rows } = await tx.query<{ id: string; system_key: string }>(
        `UPDATE systems SET deleted_at = $4, updated_at = $4
         WHERE id IN (
           SELECT s.id FROM systems s LEFT JOIN system_liveness l ON l.system_id = s.id
           WHERE s.organization_id = $1 AND s.deleted_at IS NULL AND ${LAST_CHECK_IN} <= $2
           ORDER BY s.id LIMIT $3 FOR UPDATE OF s SKIP LOCKED
         )
         RETURNING id, system_key`,
        [organizationId, cutoff, limit, now],
      );
      return rows.map((row) => ({ id: row.id, systemKey: row.system_key }));
    },

    async destroy(tx: Sql, id: string): Promise<void> {
      await tx.query('DELETE FROM systems WHERE id = $1', [id]);
    },

    async countByStatus(organizationIds?: readonly string[]): Promise<SystemCountsByStatus> {
      const { rows } = await sql.query<{ status: LivenessStatus; live: number; suspended: number; deleted: number }>(
        `SELECT l.status,
                count(*) FILTER (WHERE s.deleted_at IS NULL AND s.suspended_at IS NULL)::int AS live,
                count(*) FILTER (WHERE s.deleted_at IS NULL AND s.suspended_at IS NOT NULL)::int AS suspended,
                count(*) FILTER (WHERE s.deleted_at IS NOT NULL)::int AS deleted
         FROM systems s JOIN system_liveness l ON l.system_id = s.id
         WHERE $1::uuid[] IS NULL OR s.organization_id = ANY($1::uuid[])
         GROUP BY l.status`,
        [organizationIds ?? null],
      );
      const counts = { unknown: 0, active: 0, warning: 0, inactive: 0, suspended: 0, deleted: 0, total: 0 };
      for (const row of rows) {
        // A suspended system is counted as suspended only, whatever its last liveness status.
        counts[row.status] = row.live;
        counts.suspended += row.suspended;
        counts.deleted += row.deleted;
        counts.total += row.live + row.suspended;
      }
      return counts;
    },

    async countByType(organizationIds?: readonly string[]): Promise<{ type: string; count: number }[]> {
      const { rows } = await sql.query<{ type: string; count: number }>(
        `SELECT type, count(*)::int AS count FROM systems
         WHERE deleted_at IS NULL AND type IS NOT NULL AND ($1::uuid[] IS NULL OR organization_id = ANY($1::uuid[]))
         GROUP BY type ORDER BY count(*) DESC, type`,
        [organizationIds ?? null],
      );
      return rows;
    },

    async countLabels(organizationIds: readonly string[] | undefined, limit: number): Promise<{ key: string; value: string; count: number }[]> {
      const { rows } = await sql.query<{ key: string; value: string; count: number }>(
        `SELECT label.key, label.value, count(*)::int AS count FROM systems s, jsonb_each_text(s.labels) AS label
         WHERE s.deleted_at IS NULL AND s.labels <> '{}'::jsonb AND ($1::uuid[] IS NULL OR s.organization_id = ANY($1::uuid[]))
         GROUP BY label.key, label.value ORDER BY label.key, count(*) DESC, label.value LIMIT $2`,
        [organizationIds ?? null, limit],
      );
      return rows;
    },

    async countByVersion(organizationIds?: readonly string[]): Promise<{ type: string | null; version: string | null; count: number }[]> {
      const { rows } = await sql.query<{ type: string | null; version: string | null; count: number }>(
        `SELECT type, version, count(*)::int AS count FROM systems
         WHERE deleted_at IS NULL AND ($1::uuid[] IS NULL OR organization_id = ANY($1::uuid[]))
         GROUP BY type, version ORDER BY type NULLS LAST, count(*) DESC, version NULLS LAST`,
        [organizationIds ?? null],
      );
      return rows;
    },

    async countByAgentVersion(organizationIds?: readonly string[]): Promise<{ version: string | null; count: number }[]> {
      const { rows } = await sql.query<{ version: string | null; count: number }>(
        `SELECT agent_version AS version, count(*)::int AS count FROM systems
         WHERE deleted_at IS NULL AND ($1::uuid[] IS NULL OR organization_id = ANY($1::uuid[]))
         GROUP BY agent_version ORDER BY count(*) DESC, agent_version NULLS LAST`,
        [organizationIds ?? null],
      );
      return rows;
    },
  };
}
