import type { Clock } from '../../clock/clock.ts';
import type { Sql } from '../../db/db.ts';
import type { HostQuery, HostRow, LabelCount, LabelCountQuery, OperatingSystemCount } from './hosts-model.ts';
import { createHostsStore } from './hosts-store.ts';

/** Hosts as the host-inventory API lists them: systems with their derived profile, liveness and staleness. */
export interface HostsService {
  list(query: HostQuery): Promise<{ total: number; hosts: HostRow[] }>;
  labelCounts(query: LabelCountQuery): Promise<{ total: number; labels: LabelCount[] }>;
  operatingSystems(
    query: Pick<LabelCountQuery, 'organizationId' | 'owner' | 'staleness' | 'limit' | 'offset'>,
  ): Promise<{ total: number; systems: OperatingSystemCount[] }>;
  organizationIds(): Promise<string[]>;
  setAnsibleHost(organizationId: string, ids: readonly string[], ansibleHost: string | null): Promise<void>;
  /** The live host of the organization a canonical fact names (provider, subscription manager, insights, BIOS id or fqdn). */
  findByCanonicalFacts(organizationId: string, facts: Readonly<Record<string, string>>): Promise<string | undefined>;
  /** Each listed host's whole system profile; hosts not found are missing from the map. */
  profiles(organizationId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
}

export function createHostsService(sql: Sql, clock: Clock): HostsService {
  const store = createHostsStore(sql);
  return {
    list: (query) => store.list(query),
    profiles: (organizationId, ids) => store.profiles(organizationId, ids),
    labelCounts: (query) => store.labelCounts(query),
    organizationIds: () => store.organizationIds(),
    setAnsibleHost: (organizationId, ids, ansibleHost) => store.setAnsibleHost(organizationId, ids, ansibleHost, clock.now()),
    findByCanonicalFacts: (organizationId, facts) => store.findByCanonicalFacts(organizationId, facts),
    operatingSystems: (query) => store.operatingSystems(query),
  };
}
