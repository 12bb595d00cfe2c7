import type { Sql } from '../../db/db.ts';
import { containsPattern } from '../../db/db.ts';
import { LAST_CHECK_IN } from '../systems/index.ts';
import {
  OPERATING_SYSTEM_FIELDS,
  PROFILE_FIELDS,
  STALENESS_STATES,
  type HostQuery,
  type HostRow,
  type LabelCount,
  type LabelCountQuery,
  type OperatingSystemCount,
  type ProfileFilter,
  type StalenessState,
  type StalenessThresholds,
} from './hosts-model.ts';

type Row = {
  id: string;
  organization_id: string;
  name: string;
  ansible_host: string | null;
  source: string | null;
  canonical_facts: Record<string, unknown> | null;
  labels: Record<string, string>;
  system_profile?: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  last_check_in: Date;
};

/** The reporter of a system: the dialect that created it, `appliance` for the native API. */
const REPORTER = "coalesce(s.source, 'appliance')";
/**
 * A host's last modification: its system's record or its latest inventory, whichever is later.
 * One table's columns, so that the default order (newest first) walks an index (migration 0025).
 */
const UPDATED = 'greatest(s.updated_at, s.last_inventory_at)';

/** What each `order_by` sorts on, in the direction asked; the id keeps pages stable. */
const ORDER: Record<HostQuery['orderBy'], (how: string) => string> = {
  // Never null but for the operating system, so that the indexes serve the order as written.
  display_name: (how) => `lower(s.name) ${how}`,
  // Muster has no host groups: every group name is empty, so the name decides.
  group_name: (how) => `lower(s.name) ${how}`,
  updated: (how) => `${UPDATED} ${how}`,
  operating_system: (how) => `lower(hp.os_name) ${how} NULLS LAST, hp.os_major ${how} NULLS LAST, hp.os_minor ${how} NULLS LAST`,
  last_check_in: (how) => `${LAST_CHECK_IN} ${how}`,
};

/**
 * The profile fields held as columns of host_profiles as well (migration 0026, generated from the
 * profile itself), by the field's path: a filter on one compares the column, which the
 * organization's live-profiles index carries, instead of reading the profile. Their JSON types
 * are the fields' own (PROFILE_FIELDS).
 */
const PROFILE_COLUMNS: Readonly<Record<string, string>> = {
  arch: 'hp.arch',
  os_release: 'hp.os_release',
  infrastructure_type: 'hp.infrastructure_type',
  infrastructure_vendor: 'hp.infrastructure_vendor',
  number_of_cpus: 'hp.number_of_cpus',
  number_of_sockets: 'hp.number_of_sockets',
  cores_per_socket: 'hp.cores_per_socket',
  system_memory_bytes: 'hp.system_memory_bytes',
  'operating_system.name': 'hp.os_name',
  'operating_system.major': 'hp.os_major',
  'operating_system.minor': 'hp.os_minor',
};

/** The JSON type a profile field's values have: what its column holds. */
function fieldJsonType(path: readonly string[]): 'string' | 'number' {
  const type = path[0] === 'operating_system' ? OPERATING_SYSTEM_FIELDS[path[1] ?? ''] : PROFILE_FIELDS[path[0] ?? ''];
  return type === 'integer' ? 'number' : 'string';
}

/**
 * Where a statement finds a host's organization and liveness: its system (every host), or its
 * profile (only hosts with one, so only when the filters need a profile anyway), which lets a
 * total be counted from the profiles' index without reading systems.
 */
type Scope = 'systems' | 'profiles';

/** True when only a host with a profile can match: then a total may count profiles alone. */
function needsProfile(query: HostQuery): boolean {
  return (
    query.owner !== undefined ||
    query.fqdn !== undefined ||
    Object.values(query.canonical ?? {}).some((value) => value !== undefined) ||
    (query.profile ?? []).some((filter) => filter.op !== 'nil')
  );
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** SQL of hosts: systems with their host profile and liveness, filtered and ordered as the host-inventory API asks. */
export function createHostsStore(sql: Sql) {
  function conditions(query: HostQuery, params: Params, scope: Scope = 'systems'): string[] {
    const where =
      scope === 'profiles'
        ? [`hp.organization_id = ${params.add(query.organizationId)}::uuid`, 'hp.live']
        : [`s.organization_id = ${params.add(query.organizationId)}::uuid`, 's.deleted_at IS NULL'];
    if (query.owner !== undefined) where.push(`hp.canonical_facts @> ${params.add(JSON.stringify({ subscription_manager_id: query.owner }))}::jsonb`);
    if (query.ids) where.push(`${scope === 'profiles' ? 'hp.system_id' : 's.id'} = ANY(${params.add(query.ids)}::uuid[])`);
    if (query.displayName !== undefined) where.push(`s.name ILIKE ${params.add(containsPattern(query.displayName))}::text`);
    if (query.fqdn !== undefined) where.push(`lower(hp.canonical_facts->>'fqdn') = lower(${params.add(query.fqdn)}::text)`);
    if (query.hostnameOrId !== undefined) {
      const pattern = `${params.add(containsPattern(query.hostnameOrId))}::text`;
      const id = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(query.hostnameOrId)
        ? ` OR s.id = ${params.add(query.hostnameOrId)}::uuid`
        : '';
      where.push(`(s.name ILIKE ${pattern} OR hp.canonical_facts->>'fqdn' ILIKE ${pattern}${id})`);
    }
    for (const [key, value] of Object.entries(query.canonical ?? {}) as [string, string | undefined][]) {
      if (value !== undefined) where.push(`hp.canonical_facts @> ${params.add(JSON.stringify({ [key]: value }))}::jsonb`);
    }
    if (query.updatedStart) where.push(`${UPDATED} >= ${params.add(query.updatedStart)}::timestamptz`);
    if (query.updatedEnd) where.push(`${UPDATED} <= ${params.add(query.updatedEnd)}::timestamptz`);
    if (query.lastCheckInStart) where.push(`${LAST_CHECK_IN} >= ${params.add(query.lastCheckInStart)}::timestamptz`);
    if (query.lastCheckInEnd) where.push(`${LAST_CHECK_IN} <= ${params.add(query.lastCheckInEnd)}::timestamptz`);
    if (query.systemTypes && !query.systemTypes.includes('conventional')) where.push('false');
    if (query.registeredWith) where.push(`${REPORTER} = ANY(${params.add(query.registeredWith)}::text[])`);
    if (query.staleness) where.push(stalenessCondition(query.staleness.states, query.staleness.thresholds, query.staleness.now, params));
    for (const filter of query.profile ?? []) where.push(profileCondition(filter, params));
    for (const label of query.labels ?? []) {
      where.push(
        label.value === undefined
          ? `s.labels ? ${params.add(label.key)}::text`
          : `s.labels @> ${params.add(JSON.stringify({ [label.key]: label.value }))}::jsonb`,
      );
    }
    return where;
  }

  const FROM = `FROM systems s
    LEFT JOIN system_liveness l ON l.system_id = s.id
    LEFT JOIN host_profiles hp ON hp.system_id = s.id`;
  /**
   * FROM with only the tables the statement reads (every use goes through the `l.` and `hp.`
   * aliases): a listing then reads no profile or liveness row it does not need.
   */
  const fromFor = (...parts: string[]) => {
    const text = parts.join(' ');
    return [
      'FROM systems s',
      ...(/\bl\./.test(text) ? ['LEFT JOIN system_liveness l ON l.system_id = s.id'] : []),
      ...(/\bhp\./.test(text) ? ['LEFT JOIN host_profiles hp ON hp.system_id = s.id'] : []),
    ].join(' ');
  };

  /** FROM for a statement in the profiles' scope: the profiles, and only the other tables it reads. */
  const fromProfiles = (where: string) =>
    [
      'FROM host_profiles hp',
      ...(/\bs\./.test(where) ? ['JOIN systems s ON s.id = hp.system_id'] : []),
      ...(/\bl\./.test(where) ? [`LEFT JOIN system_liveness l ON l.system_id = hp.system_id`] : []),
    ].join(' ');

  async function countWhere(query: HostQuery): Promise<number> {
    const params = new Params();
    const scope: Scope = needsProfile(query) ? 'profiles' : 'systems';
    const where = conditions(query, params, scope).join(' AND ');
    const { rows } = await sql.query<{ n: string }>(
      `SELECT count(*) AS n ${scope === 'profiles' ? fromProfiles(where) : fromFor(where)} WHERE ${where}`,
      params.values,
    );
    return Number(rows[0]!.n);
  }

  /**
   * How many of the hosts `query` matches (staleness aside) last checked in at or before
   * `cutoff`. Driven from the liveness rows whose last heartbeat is that old (or missing), few in
   * a fleet that reports, so no join over the whole organization; every system has its liveness
   * row (both ways of creating systems insert one).
   */
  async function countSilentSince(query: HostQuery, cutoff: Date): Promise<number> {
    const params = new Params();
    const at = `${params.add(cutoff)}::timestamptz`;
    const where = conditions(query, params).join(' AND ');
    const profiles = /\bhp\./.test(where) ? 'LEFT JOIN host_profiles hp ON hp.system_id = s.id' : '';
    const { rows } = await sql.query<{ n: string }>(
      `SELECT count(*) AS n FROM system_liveness l JOIN systems s ON s.id = l.system_id ${profiles}
       WHERE (l.last_heartbeat <= ${at} OR l.last_heartbeat IS NULL) AND ${LAST_CHECK_IN} <= ${at} AND ${where}`,
      params.values,
    );
    return Number(rows[0]!.n);
  }

  return {
    async list(query: HostQuery): Promise<{ total: number; hosts: HostRow[] }> {
      // The page and the total are two statements, run together: the page picks its ids in order
      // first and only then reads their columns and profile fields, so that nothing is built for
      // the rows a page skips; a window count would make every matching row go through it.
      const params = new Params();
      const where = conditions(query, params).join(' AND ');
      const order = `${ORDER[query.orderBy](query.orderHow)}, s.id ${query.orderHow}`;
      const limit = params.add(query.limit);
      const offset = params.add(query.offset);
      const profile = query.profileFields === undefined ? '' : `, ${profileProjection(query.profileFields, params)} AS system_profile`;
      const [page, total] = await Promise.all([
        sql.query<Row>(
          `SELECT s.id, s.organization_id, s.name, s.ansible_host, ${REPORTER} AS source, hp.canonical_facts, s.labels, s.created_at,
             ${UPDATED} AS updated_at, ${LAST_CHECK_IN} AS last_check_in${profile}
           FROM (SELECT s.id ${fromFor(where, order)} WHERE ${where} ORDER BY ${order} LIMIT ${limit}::int OFFSET ${offset}::int) picked
           JOIN systems s ON s.id = picked.id
           LEFT JOIN system_liveness l ON l.system_id = s.id
           LEFT JOIN host_profiles hp ON hp.system_id = s.id
           ORDER BY ${order}`,
          params.values,
        ),
        this.count(query),
      ]);
      return { total, hosts: page.rows.map(present) };
    },

    /** How many hosts match the query's filters. */
    async count(query: HostQuery): Promise<number> {
      const staleness = query.staleness;
      if (!staleness) return countWhere(query);
      const withoutStaleness = { ...query, staleness: undefined };
      const states = new Set(staleness.states);
      if (STALENESS_STATES.every((state) => states.has(state))) return countWhere(withoutStaleness);
      // The states from fresh up to one of them (the default: all but culled) are every host but
      // those silent since that state's end: counted as the difference, both without the join of
      // every system to its liveness that the staleness condition needs.
      const ends: [StalenessState[], number][] = [
        [['fresh'], staleness.thresholds.staleSeconds],
        [['fresh', 'stale'], staleness.thresholds.staleWarningSeconds],
        [['fresh', 'stale', 'stale_warning'], staleness.thresholds.cullSeconds],
      ];
      const end = ends.find(([prefix]) => prefix.length === states.size && prefix.every((state) => states.has(state)));
      if (!end) return countWhere(query);
      const cutoff = new Date(staleness.now.getTime() - end[1] * 1000);
      const [all, silent] = await Promise.all([countWhere(withoutStaleness), countSilentSince(withoutStaleness, cutoff)]);
      return all - silent;
    },

    /** The labels of the hosts a query matches, each with how many hosts carry it. */
    async labelCounts(query: LabelCountQuery): Promise<{ total: number; labels: LabelCount[] }> {
      const params = new Params();
      const where = conditions(
        { organizationId: query.organizationId, owner: query.owner, staleness: query.staleness, orderBy: 'updated', orderHow: 'ASC', limit: 0, offset: 0 },
        params,
      );
      const search =
        query.search === undefined
          ? ''
          : `WHERE (label.key ILIKE ${params.add(containsPattern(query.search))}::text OR label.value ILIKE $${params.values.length}::text)`;
      const order =
        query.orderBy === 'count' ? `count(*) ${query.orderHow}, label.key, label.value` : `label.key ${query.orderHow}, label.value ${query.orderHow}`;
      const { rows } = await sql.query<{ key: string; value: string; count: string; total: string }>(
        `SELECT label.key, label.value, count(*) AS count, count(*) OVER () AS total
         ${FROM} CROSS JOIN LATERAL jsonb_each_text(s.labels) AS label (key, value)
         ${search ? `${search} AND` : 'WHERE'} ${where.join(' AND ')}
         GROUP BY label.key, label.value ORDER BY ${order} LIMIT ${params.add(query.limit)}::int OFFSET ${params.add(query.offset)}::int`,
        params.values,
      );
      return { total: Number(rows[0]?.total ?? 0), labels: rows.map((row) => ({ key: row.key, value: row.value, count: Number(row.count) })) };
    },

    /** The operating systems of the hosts a query matches, each with its number of hosts. */
    async operatingSystems(
      query: Pick<LabelCountQuery, 'organizationId' | 'owner' | 'staleness' | 'limit' | 'offset'>,
    ): Promise<{ total: number; systems: OperatingSystemCount[] }> {
      const params = new Params();
      const where = conditions(
        { organizationId: query.organizationId, owner: query.owner, staleness: query.staleness, orderBy: 'updated', orderHow: 'ASC', limit: 0, offset: 0 },
        params,
      );
      const { rows } = await sql.query<{ name: string; major: number; minor: number; count: string; total: string }>(
        `SELECT hp.os_name AS name, hp.os_major AS major, hp.os_minor AS minor, count(*) AS count, count(*) OVER () AS total
         ${FROM} WHERE hp.os_name IS NOT NULL AND ${where.join(' AND ')}
         GROUP BY hp.os_name, hp.os_major, hp.os_minor ORDER BY count(*) DESC, hp.os_name, hp.os_major, hp.os_minor
         LIMIT ${params.add(query.limit)}::int OFFSET ${params.add(query.offset)}::int`,
        params.values,
      );
      return {
        total: Number(rows[0]?.total ?? 0),
        systems: rows.map((row) => ({ name: row.name, major: row.major, minor: row.minor, count: Number(row.count) })),
      };
    },

    async organizationIds(): Promise<string[]> {
      const { rows } = await sql.query<{ id: string }>('SELECT id FROM organizations ORDER BY id');
      return rows.map((row) => row.id);
    },

    async setAnsibleHost(organizationId: string, ids: readonly string[], ansibleHost: string | null, at: Date): Promise<void> {
      await sql.query('UPDATE systems SET ansible_host = $3, updated_at = $4 WHERE organization_id = $1 AND id = ANY($2::uuid[]) AND deleted_at IS NULL', [
        organizationId,
        ids,
        ansibleHost,
        at,
      ]);
    },

    /**
     * The live host a canonical fact names, trying the facts in the peer's order of trust
     * (provider, subscription manager, insights, BIOS ids, then fqdn); the last updated when several match.
     */
    async findByCanonicalFacts(organizationId: string, facts: Readonly<Record<string, string>>): Promise<string | undefined> {
      for (const name of ['provider_id', 'subscription_manager_id', 'insights_id', 'bios_uuid', 'fqdn']) {
        const value = facts[name];
        if (value === undefined) continue;
        const { rows } = await sql.query<{ id: string }>(
          name === 'fqdn'
            ? `SELECT s.id FROM systems s JOIN host_profiles hp ON hp.system_id = s.id
               WHERE s.organization_id = $1 AND s.deleted_at IS NULL AND lower(hp.canonical_facts->>'fqdn') = lower($2::text)
               ORDER BY hp.updated_at DESC LIMIT 1`
            : `SELECT s.id FROM systems s JOIN host_profiles hp ON hp.system_id = s.id
               WHERE s.organization_id = $1 AND s.deleted_at IS NULL AND hp.canonical_facts @> $2::jsonb
               ORDER BY hp.updated_at DESC LIMIT 1`,
          [organizationId, name === 'fqdn' ? value : JSON.stringify({ [name]: value.toLowerCase() })],
        );
        if (rows[0]) return rows[0].id;
      }
      return undefined;
    },

    /** Each host's whole system profile, by id (hosts of the organization only). */
    async profiles(organizationId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
      const { rows } = await sql.query<{ id: string; system_profile: Record<string, unknown> | null }>(
        `SELECT s.id, hp.system_profile FROM systems s LEFT JOIN host_profiles hp ON hp.system_id = s.id
         WHERE s.organization_id = $1 AND s.deleted_at IS NULL AND s.id = ANY($2::uuid[])`,
        [organizationId, ids],
      );
      return new Map(rows.map((row) => [row.id, row.system_profile ?? {}]));
    },
  };
}

function present(row: Row): HostRow {
  return {
    id: row.id,
    organizationId: row.organization_id,
    displayName: row.name,
    ansibleHost: row.ansible_host,
    reporter: row.source ?? 'appliance',
    canonicalFacts: row.canonical_facts ?? {},
    labels: row.labels,
    ...(row.system_profile !== undefined ? { systemProfile: row.system_profile ?? {} } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastCheckIn: row.last_check_in,
  };
}

function stalenessCondition(states: readonly StalenessState[], thresholds: StalenessThresholds, now: Date, params: Params): string {
  if (states.length === 0) return 'false';
  // Only the bounds a state asks for become parameters: an unused parameter has no type.
  const bounds = new Map<number, string>();
  const at = (seconds: number) => {
    if (!bounds.has(seconds)) bounds.set(seconds, `${params.add(new Date(now.getTime() - seconds * 1000))}::timestamptz`);
    return bounds.get(seconds)!;
  };
  const range = (state: StalenessState) => {
    if (state === 'fresh') return `${LAST_CHECK_IN} > ${at(thresholds.staleSeconds)}`;
    if (state === 'stale') return `(${LAST_CHECK_IN} <= ${at(thresholds.staleSeconds)} AND ${LAST_CHECK_IN} > ${at(thresholds.staleWarningSeconds)})`;
    if (state === 'stale_warning') return `(${LAST_CHECK_IN} <= ${at(thresholds.staleWarningSeconds)} AND ${LAST_CHECK_IN} > ${at(thresholds.cullSeconds)})`;
    return `${LAST_CHECK_IN} <= ${at(thresholds.cullSeconds)}`;
  };
  return `(${states.map(range).join(' OR ')})`;
}

/** One `filter[system_profile][…]` term: any of its values matches (containment for equality, a typed comparison for ranges). */
function profileCondition(filter: ProfileFilter, params: Params): string {
  let added: string | undefined;
  // Added when first used: an unused parameter has no type.
  const path = () => (added ??= `${params.add(filter.path)}::text[]`);
  if (!('values' in filter)) return `(hp.system_profile #> ${path()}) IS ${filter.op === 'nil' ? '' : 'NOT '}NULL`;
  const { op } = filter;
  const column = filter.list ? undefined : PROFILE_COLUMNS[filter.path.join('.')];
  const columnType = column ? fieldJsonType(filter.path) : undefined;
  const terms = filter.values.map((value) => {
    const operator = { eq: '=', gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
    // The column holds the field when it has the column's JSON type, and a value of that type
    // compares the same there as in the profile; a value of another type reads the profile.
    if (column && typeof value === columnType) {
      return `${column} ${operator} ${params.add(value)}::${columnType === 'number' ? 'numeric' : 'text'}`;
    }
    if (op === 'eq') {
      // Lists (installed_services, …) match when they contain the value, as containment does.
      const nested = filter.path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), filter.list ? [value] : value);
      return `hp.system_profile @> ${params.add(JSON.stringify(nested))}::jsonb`;
    }
    if (typeof value === 'number') {
      return `(jsonb_typeof(hp.system_profile #> ${path()}) = 'number' AND (hp.system_profile #>> ${path()})::numeric ${operator} ${params.add(value)}::numeric)`;
    }
    return `(hp.system_profile #>> ${path()}) ${operator} ${params.add(value)}::text`;
  });
  return `(${terms.join(' OR ')})`;
}

/** Only the profile fields asked for (sparse fields), as one object. */
function profileProjection(fields: readonly string[], params: Params): string {
  if (fields.length === 0) return "coalesce(hp.system_profile, '{}'::jsonb)";
  const pairs = fields.map((field) => {
    const name = params.add(field);
    return `${name}::text, hp.system_profile -> ${name}::text`;
  });
  return `coalesce(jsonb_strip_nulls(jsonb_build_object(${pairs.join(', ')})), '{}'::jsonb)`;
}
