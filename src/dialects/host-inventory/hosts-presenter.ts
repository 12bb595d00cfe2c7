import { stalenessOf, type HostRow, type StalenessThresholds } from '../../features/hosts/index.ts';

/** The peer's placeholder for a host without an insights id. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Python's `datetime.isoformat()` of an aware UTC time, as the peer writes its timestamps. */
export const isoformat = (date: Date) => date.toISOString().replace('Z', '+00:00');

const listOrNull = (value: unknown) => (Array.isArray(value) && value.length > 0 ? value : null);
const textOrNull = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * A host as the peer's `HostOut` shows it: canonical facts at the top level (empty lists as
 * null), the staleness timestamps from the last check-in and the organization's thresholds,
 * and, beyond the peer, the current `staleness` state. The profile only when asked for.
 */
export function presentHost(host: HostRow, thresholds: StalenessThresholds, now: Date): Record<string, unknown> {
  const facts = host.canonicalFacts;
  const after = (seconds: number) => isoformat(new Date(host.lastCheckIn.getTime() + seconds * 1000));
  const staleness = {
    last_check_in: isoformat(host.lastCheckIn),
    stale_timestamp: after(thresholds.staleSeconds),
    stale_warning_timestamp: after(thresholds.staleWarningSeconds),
    culled_timestamp: after(thresholds.cullSeconds),
  };
  return {
    id: host.id,
    org_id: host.organizationId,
    account: null,
    display_name: host.displayName,
    ansible_host: host.ansibleHost,
    insights_id: textOrNull(facts.insights_id) ?? NIL_UUID,
    subscription_manager_id: textOrNull(facts.subscription_manager_id),
    satellite_id: textOrNull(facts.satellite_id),
    bios_uuid: textOrNull(facts.bios_uuid),
    ip_addresses: listOrNull(facts.ip_addresses),
    fqdn: textOrNull(facts.fqdn),
    mac_addresses: listOrNull(facts.mac_addresses),
    provider_id: textOrNull(facts.provider_id),
    provider_type: textOrNull(facts.provider_type),
    facts: [],
    reporter: host.reporter,
    per_reporter_staleness: { [host.reporter]: { ...staleness, check_in_succeeded: true } },
    stale_timestamp: staleness.stale_timestamp,
    stale_warning_timestamp: staleness.stale_warning_timestamp,
    culled_timestamp: staleness.culled_timestamp,
    staleness: stalenessOf(host.lastCheckIn, thresholds, now),
    created: isoformat(host.createdAt),
    updated: isoformat(host.updatedAt),
    last_check_in: staleness.last_check_in,
    groups: [],
    ...(host.systemProfile !== undefined ? { system_profile: host.systemProfile } : {}),
  };
}
