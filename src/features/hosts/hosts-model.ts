/** Hosts: every live system seen as the host-inventory API sees it (SPEC §8.3). */

export type StalenessState = 'fresh' | 'stale' | 'stale_warning' | 'culled';
export const STALENESS_STATES: readonly StalenessState[] = ['fresh', 'stale', 'stale_warning', 'culled'];

/** Seconds after the last check-in at which a host becomes stale, stale_warning and culled. */
export interface StalenessThresholds {
  staleSeconds: number;
  staleWarningSeconds: number;
  cullSeconds: number;
}

export const DEFAULT_STALENESS: Readonly<StalenessThresholds> = Object.freeze({ staleSeconds: 104_400, staleWarningSeconds: 604_800, cullSeconds: 2_592_000 });

/** The state of a host last seen at `lastCheckIn`, at `now`. */
export function stalenessOf(lastCheckIn: Date, thresholds: StalenessThresholds, now: Date): StalenessState {
  const age = (now.getTime() - lastCheckIn.getTime()) / 1000;
  if (age < thresholds.staleSeconds) return 'fresh';
  if (age < thresholds.staleWarningSeconds) return 'stale';
  if (age < thresholds.cullSeconds) return 'stale_warning';
  return 'culled';
}

/**
 * The system profile's fields Muster derives (host-profile.ts), by type: what a filter may name
 * and how its values compare. `operating_system` is an object of name, major and minor.
 */
export type ProfileFieldType = 'string' | 'integer' | 'list' | 'object';
export const PROFILE_FIELDS: Readonly<Record<string, ProfileFieldType>> = Object.freeze({
  operating_system: 'object',
  os_release: 'string',
  os_kernel_version: 'string',
  arch: 'string',
  number_of_cpus: 'integer',
  number_of_sockets: 'integer',
  cores_per_socket: 'integer',
  cpu_model: 'string',
  system_memory_bytes: 'integer',
  infrastructure_type: 'string',
  infrastructure_vendor: 'string',
  network_interfaces: 'list',
  disk_devices: 'list',
  installed_products: 'list',
  installed_services: 'list',
  enabled_services: 'list',
  running_processes: 'list',
  host_type: 'string',
});
export const OPERATING_SYSTEM_FIELDS: Readonly<Record<string, ProfileFieldType>> = Object.freeze({ name: 'string', major: 'integer', minor: 'integer' });

export type ProfileFilter =
  { path: string[]; op: 'nil' | 'not_nil' } | { path: string[]; op: 'eq' | 'gt' | 'gte' | 'lt' | 'lte'; values: (string | number)[]; list?: boolean };

export interface CanonicalFilter {
  insights_id?: string;
  subscription_manager_id?: string;
  provider_id?: string;
  provider_type?: string;
}

export interface HostQuery {
  organizationId: string;
  /** Only the host whose subscription_manager_id this is (a System identity's own host). */
  owner?: string;
  ids?: readonly string[];
  /** Part of the display name, any case. */
  displayName?: string;
  /** The fqdn, any case. */
  fqdn?: string;
  /** Part of the display name or fqdn, or the host's id. */
  hostnameOrId?: string;
  canonical?: CanonicalFilter;
  updatedStart?: Date;
  updatedEnd?: Date;
  lastCheckInStart?: Date;
  lastCheckInEnd?: Date;
  /** The peer's system types asked for: every Muster host is `conventional` (no image-mode or edge hosts). */
  systemTypes?: readonly string[];
  /** Reporters (the dialect that created the system, `appliance` for the native API). */
  registeredWith?: readonly string[];
  staleness?: { states: readonly StalenessState[]; thresholds: StalenessThresholds; now: Date };
  profile?: readonly ProfileFilter[];
  /** Labels every host must carry: a key with the value given, or with any value when none is. */
  labels?: readonly { key: string; value?: string }[];
  /** Profile fields to add to each host; `[]` for the whole profile; absent for none. */
  profileFields?: readonly string[];
  orderBy: 'display_name' | 'group_name' | 'updated' | 'operating_system' | 'last_check_in';
  orderHow: 'ASC' | 'DESC';
  limit: number;
  offset: number;
}

export interface HostRow {
  id: string;
  organizationId: string;
  displayName: string;
  ansibleHost: string | null;
  reporter: string;
  canonicalFacts: Record<string, unknown>;
  labels: Record<string, string>;
  systemProfile?: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  lastCheckIn: Date;
}

export interface LabelCountQuery {
  organizationId: string;
  owner?: string;
  staleness: NonNullable<HostQuery['staleness']>;
  /** Part of a label's key or value, any case. */
  search?: string;
  orderBy: 'tag' | 'count';
  orderHow: 'ASC' | 'DESC';
  limit: number;
  offset: number;
}

export interface LabelCount {
  key: string;
  value: string;
  count: number;
}

export interface OperatingSystemCount {
  name: string;
  major: number;
  minor: number;
  count: number;
}
