import type { Sql } from '../../db/db.ts';
import type { HostQuery, HostRow } from './hosts-model.ts';
import { createHostsStore } from './hosts-store.ts';

/** Hosts as the host-inventory API lists them: systems with their derived profile, liveness and staleness. */
export interface HostsService {
  list(query: HostQuery): Promise<{ total: number; hosts: HostRow[] }>;
  /** Each listed host's whole system profile; hosts not found are missing from the map. */
  profiles(organizationId: string, ids: readonly string[]): Promise<Map<string, Record<string, unknown>>>;
}

export function createHostsService(sql: Sql): HostsService {
  const store = createHostsStore(sql);
  return {
    list: (query) => store.list(query),
    profiles: (organizationId, ids) => store.profiles(organizationId, ids),
  };
}
