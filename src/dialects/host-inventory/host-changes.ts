import { InventoryProblem } from './host-inventory-errors.ts';
import { UUID } from './hosts-query.ts';

/** The bodies of the peer's writes: `PATCH /hosts/{ids}` and `POST /hosts/checkin`, checked as its schemas do. */

const bad = (detail: string) => new InventoryProblem(400, detail);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `{display_name?, ansible_host?}`: display_name 1–200 characters, ansible_host up to 255 (empty clears it). */
export function parsePatch(body: unknown): { displayName?: string; ansibleHost?: string | null } {
  if (!isObject(body)) throw bad('The request body must be a JSON object');
  for (const key of Object.keys(body)) if (key !== 'display_name' && key !== 'ansible_host') throw bad(`Unknown field: '${key}'`);
  const change: { displayName?: string; ansibleHost?: string | null } = {};
  if (Object.hasOwn(body, 'display_name')) {
    const name = body.display_name;
    if (typeof name !== 'string' || name.trim().length < 1 || name.length > 200) throw bad("'display_name': Length must be between 1 and 200.");
    change.displayName = name.trim();
  }
  if (Object.hasOwn(body, 'ansible_host')) {
    const host = body.ansible_host;
    if (typeof host !== 'string' || host.length > 255) throw bad("'ansible_host': Length must be between 0 and 255.");
    change.ansibleHost = host === '' ? null : host;
  }
  if (Object.keys(change).length === 0) throw bad('Nothing to change: give display_name or ansible_host');
  return change;
}

const CANONICAL = ['insights_id', 'subscription_manager_id', 'satellite_id', 'bios_uuid', 'fqdn', 'provider_id', 'provider_type'] as const;
const UUID_FACTS = new Set(['insights_id', 'subscription_manager_id', 'satellite_id', 'bios_uuid']);

/**
 * A check-in's canonical facts (and the peer's `checkin_frequency`, minutes 1–2880, accepted and
 * not stored: Muster's own thresholds decide liveness). At least one fact that identifies a host.
 */
export function parseCheckin(body: unknown): Record<string, string> {
  if (!isObject(body)) throw bad('The request body must be a JSON object');
  const facts: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'checkin_frequency') {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2880)
        throw bad("'checkin_frequency': Must be greater than or equal to 1 and less than or equal to 2880.");
      continue;
    }
    if (key === 'ip_addresses' || key === 'mac_addresses') continue;
    if (!(CANONICAL as readonly string[]).includes(key)) throw bad(`Unknown field: '${key}'`);
    if (typeof value !== 'string' || value.length < 1 || value.length > 255) throw bad(`'${key}': Length must be between 1 and 255.`);
    if (UUID_FACTS.has(key) && !UUID.test(value)) throw bad(`'${key}': Invalid value.`);
    facts[key] = value;
  }
  if (Object.keys(facts).filter((key) => key !== 'provider_type').length === 0) throw bad('At least one canonical fact must be present');
  return facts;
}
