import {
  OPERATING_SYSTEM_FIELDS,
  PROFILE_FIELDS,
  type HostQuery,
  type ProfileFieldType,
  type ProfileFilter,
  type StalenessState,
} from '../../features/hosts/index.ts';
import { InventoryProblem } from './host-inventory-errors.ts';

/**
 * `GET /hosts`' query string (SPEC §8.3) read into the core's host query. Every value the peer
 * would refuse is a 400 problem naming the parameter; nothing here touches the database.
 */

export const MAX_PER_PAGE = 100;
export const DEFAULT_PER_PAGE = 50;
/** Values per filter and filters per request: a query stays one bounded statement. */
const MAX_VALUES = 100;
const MAX_PROFILE_FILTERS = 50;
const ORDER_BY = ['display_name', 'group_name', 'updated', 'operating_system', 'last_check_in'] as const;
const STALENESS = ['fresh', 'stale', 'stale_warning', 'unknown'] as const;
const DEFAULT_STATES: StalenessState[] = ['fresh', 'stale', 'stale_warning'];
const OPERATORS = ['eq', 'gt', 'gte', 'lt', 'lte', 'nil', 'not_nil'] as const;
const PROFILE_KEY = /^filter\[system_profile\]((?:\[[^\][]*\])+)$/;

export type Query = Record<string, string | string[] | undefined>;

export interface ListParams {
  query: Omit<HostQuery, 'organizationId' | 'staleness'>;
  staleness: StalenessState[];
  page: number;
  perPage: number;
}

const bad = (detail: string) => new InventoryProblem(400, detail);

function one(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) {
    if (value.length > 1) throw bad(`'${name}' may be given once`);
    return value[0];
  }
  return value;
}

/** Repeated or comma-separated values (`staleness=fresh,stale` or `staleness[]=fresh&staleness[]=stale`). */
function many(query: Query, name: string): string[] | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (values.length > MAX_VALUES) throw bad(`'${name}' takes at most ${MAX_VALUES} values`);
  return values;
}

function integer(query: Query, name: string, fallback: number, min: number, max: number): number {
  const raw = one(query, name);
  if (raw === undefined) return fallback;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw bad(`'${raw}' is not a valid value for '${name}': it must be an integer from ${min} to ${max}`);
  return value;
}

function timestamp(query: Query, name: string): Date | undefined {
  const raw = one(query, name);
  if (raw === undefined) return undefined;
  // The peer takes ISO 8601 date-times; one without a zone is UTC.
  const date = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i.test(raw)
    ? new Date(/(?:Z|[+-]\d{2}:?\d{2})$/i.test(raw) || raw.length === 10 ? raw : `${raw}Z`)
    : new Date(NaN);
  if (Number.isNaN(date.getTime())) throw bad(`'${raw}' is not a valid date-time for '${name}'`);
  return date;
}

function text(query: Query, name: string, maxLength = 255): string | undefined {
  const value = one(query, name);
  if (value !== undefined && value.length > maxLength) throw bad(`'${name}' is longer than ${maxLength} characters`);
  return value;
}

/** The list's parameters; `page` and `per_page` are checked, the page past the end is the caller's 404. */
export function parseListQuery(query: Query): ListParams {
  const perPage = integer(query, 'per_page', DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
  const page = integer(query, 'page', 1, 1, 1_000_000);
  const orderBy = one(query, 'order_by') ?? 'updated';
  if (!(ORDER_BY as readonly string[]).includes(orderBy)) throw bad(`'${orderBy}' is not one of ${JSON.stringify(ORDER_BY)} - 'order_by'`);
  const orderHowRaw = one(query, 'order_how');
  const orderHow = orderHowRaw?.toUpperCase() ?? (orderBy === 'display_name' || orderBy === 'group_name' || orderBy === 'operating_system' ? 'ASC' : 'DESC');
  if (orderHow !== 'ASC' && orderHow !== 'DESC') throw bad(`'${orderHowRaw}' is not one of ['ASC', 'DESC'] - 'order_how'`);

  const staleness = stalenessStates(query);

  const canonical: NonNullable<HostQuery['canonical']> = {};
  for (const name of ['insights_id', 'subscription_manager_id', 'provider_id', 'provider_type'] as const) {
    const value = text(query, name);
    if (value === undefined) continue;
    if ((name === 'insights_id' || name === 'subscription_manager_id') && !UUID.test(value)) throw bad(`'${value}' is not a 'uuid' - '${name}'`);
    canonical[name] = name === 'provider_id' ? value : value.toLowerCase();
  }
  const fields = one(query, 'fields[system_profile]');
  return {
    page,
    perPage,
    staleness,
    query: {
      displayName: text(query, 'display_name'),
      fqdn: text(query, 'fqdn'),
      hostnameOrId: text(query, 'hostname_or_id'),
      canonical,
      updatedStart: timestamp(query, 'updated_start'),
      updatedEnd: timestamp(query, 'updated_end'),
      lastCheckInStart: timestamp(query, 'last_check_in_start'),
      lastCheckInEnd: timestamp(query, 'last_check_in_end'),
      registeredWith: many(query, 'registered_with'),
      systemTypes: systemTypes(query),
      profile: profileFilters(query),
      labels: many(query, 'tags')?.map(parseTag),
      profileFields: fields === undefined ? undefined : sparseFields(fields),
      orderBy: orderBy as HostQuery['orderBy'],
      orderHow,
      limit: perPage,
      offset: (page - 1) * perPage,
    },
  };
}

/** `GET /tags` and `/system_profile/…`: paging, ordering (`tag` or `count`), `search` and staleness. */
export function parseTagsQuery(query: Query): {
  page: number;
  perPage: number;
  orderBy: 'tag' | 'count';
  orderHow: 'ASC' | 'DESC';
  search?: string;
  staleness: StalenessState[];
} {
  const perPage = integer(query, 'per_page', DEFAULT_PER_PAGE, 1, MAX_PER_PAGE);
  const page = integer(query, 'page', 1, 1, 1_000_000);
  const orderBy = one(query, 'order_by') ?? 'tag';
  if (orderBy !== 'tag' && orderBy !== 'count') throw bad(`'${orderBy}' is not one of ['tag', 'count'] - 'order_by'`);
  const orderHowRaw = one(query, 'order_how');
  const orderHow = orderHowRaw?.toUpperCase() ?? 'ASC';
  if (orderHow !== 'ASC' && orderHow !== 'DESC') throw bad(`'${orderHowRaw}' is not one of ['ASC', 'DESC'] - 'order_how'`);
  return { page, perPage, orderBy, orderHow, search: text(query, 'search'), staleness: stalenessStates(query) };
}

const SYSTEM_TYPES = ['conventional', 'bootc', 'edge'];

function systemTypes(query: Query): string[] | undefined {
  const values = many(query, 'system_type');
  for (const value of values ?? []) if (!SYSTEM_TYPES.includes(value)) throw bad(`'${value}' is not one of ${JSON.stringify(SYSTEM_TYPES)} - 'system_type'`);
  return values;
}

function stalenessStates(query: Query): StalenessState[] {
  const values = many(query, 'staleness') ?? DEFAULT_STATES;
  for (const value of values) {
    if (!(STALENESS as readonly string[]).includes(value)) throw bad(`'${value}' is not one of ${JSON.stringify(STALENESS)} - 'staleness'`);
  }
  // `unknown` is the peer's state for hosts without a stale timestamp; every Muster host has one.
  return [...new Set(values.filter((value): value is StalenessState => value !== 'unknown'))];
}

/** `fields[system_profile]=arch,os_release`: known fields only. */
export function sparseFields(raw: string): string[] {
  const fields = [
    ...new Set(
      raw
        .split(',')
        .map((field) => field.trim())
        .filter((field) => field !== ''),
    ),
  ];
  if (fields.length > MAX_VALUES) throw bad(`'fields[system_profile]' takes at most ${MAX_VALUES} fields`);
  for (const field of fields) if (!Object.hasOwn(PROFILE_FIELDS, field)) throw bad(`Requested field '${field}' is not present in the system_profile`);
  return fields;
}

/**
 * `filter[system_profile][field]=v`, `…[field][op]=v`, `…[operating_system][major][gte]=8`:
 * the field path, then an optional operator (eq when absent); values comma-separated or repeated.
 */
export function profileFilters(query: Query): ProfileFilter[] {
  const filters: ProfileFilter[] = [];
  for (const [key, raw] of Object.entries(query)) {
    const match = PROFILE_KEY.exec(key);
    if (!match) {
      if (key.startsWith('filter[')) throw bad(`Invalid filter '${key}': only filter[system_profile][…] is supported`);
      continue;
    }
    if (filters.length >= MAX_PROFILE_FILTERS) throw bad(`At most ${MAX_PROFILE_FILTERS} system_profile filters may be given`);
    const parts = [...match[1]!.matchAll(/\[([^\][]*)\]/g)].map((part) => part[1]!);
    const last = parts.at(-1)!;
    const op = (OPERATORS as readonly string[]).includes(last) && parts.length > 1 ? (parts.pop() as (typeof OPERATORS)[number]) : 'eq';
    const type = fieldType(parts);
    const values = many({ value: raw }, 'value') ?? [];
    if (op === 'nil' || op === 'not_nil') {
      filters.push({ path: parts, op });
      continue;
    }
    if (values.length === 0) throw bad(`Filter '${key}' needs a value`);
    if (type === 'object') throw bad(`Invalid operation for field '${parts.join('.')}': name one of its fields`);
    if (type === 'list' && op !== 'eq') throw bad(`Invalid operation '${op}' for field '${parts.join('.')}'`);
    const typed = values.map((value) => {
      if (type !== 'integer') return value;
      if (!/^-?\d{1,15}(?:\.\d+)?$/.test(value)) throw bad(`'${value}' is not a number - filter on '${parts.join('.')}'`);
      return Number(value);
    });
    filters.push({ path: parts, op, values: typed, ...(type === 'list' ? { list: true } : {}) });
  }
  return filters;
}

function fieldType(parts: readonly string[]): ProfileFieldType {
  const [field, inner, ...rest] = parts;
  const type = field !== undefined && Object.hasOwn(PROFILE_FIELDS, field) ? PROFILE_FIELDS[field] : undefined;
  if (type === undefined) throw bad(`Invalid filter: '${parts.join('.')}' is not a system_profile field`);
  if (inner === undefined) return type;
  if (field === 'operating_system' && rest.length === 0 && Object.hasOwn(OPERATING_SYSTEM_FIELDS, inner)) return OPERATING_SYSTEM_FIELDS[inner]!;
  throw bad(`Invalid filter: '${parts.join('.')}' is not a system_profile field`);
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `/hosts/{ids}`: comma-separated UUIDs, at most MAX_PER_PAGE, each valid (else 400). */
export function parseHostIds(raw: string): string[] {
  const ids = [...new Set(raw.split(',').map((id) => id.trim().toLowerCase()))];
  if (ids.length > MAX_PER_PAGE) throw bad(`At most ${MAX_PER_PAGE} host ids may be given`);
  for (const id of ids) if (!UUID.test(id)) throw bad(`'${id}' is not a 'uuid'`);
  return ids;
}

/**
 * A tag filter, `namespace/key=value`, `key=value` or either without `=value` (any value): the
 * label it names. A label `ns/key` is the tag of namespace `ns`; one without `/` has none.
 */
export function parseTag(raw: string): { key: string; value?: string } {
  const equals = raw.indexOf('=');
  const key = equals === -1 ? raw : raw.slice(0, equals);
  const value = equals === -1 ? undefined : raw.slice(equals + 1);
  if (key === '' || key.startsWith('/') || key.endsWith('/') || key.length > 255 || (value?.length ?? 0) > 255) {
    throw bad(`'${raw}' is not a valid tag: it must be 'namespace/key=value' or 'key=value', the value optional`);
  }
  return value === undefined ? { key } : { key, value };
}

/** A label as the peer's structured tag. */
export function tagOf(key: string, value: string): { namespace: string | null; key: string; value: string | null } {
  const slash = key.indexOf('/');
  return { namespace: slash === -1 ? null : key.slice(0, slash), key: slash === -1 ? key : key.slice(slash + 1), value: value === '' ? null : value };
}
