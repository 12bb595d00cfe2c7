/**
 * The summary fields of a system (fqdn, addresses, version, os, type) taken from one
 * inventory snapshot, in either shape appliances send: the documented generic one
 * (`fqdn`, `ipv4_address`, `os{…}`, …) or the real appliances'
 * `{"installation": "nethserver" | "nethsecurity", "facts": {…}}`.
 * Where each field is read from, and why, is written down in README.md beside this file.
 *
 * Inventories are untrusted JSON: nothing here throws, every string is trimmed, stripped of
 * control characters and capped, and addresses that are not valid IPv4/IPv6 become null.
 */
import { field, ipv4, ipv6, isObject, leaderNode, numberOrText, path, text, type JsonObject } from './json-reading.ts';

export type SystemIdentity = {
  fqdn: string | null;
  ipv4Address: string | null;
  ipv6Address: string | null;
  version: string | null;
  os: string | null;
  type: string | null;
};

export { SUMMARY_MAX_LENGTH } from './json-reading.ts';

const EMPTY: SystemIdentity = { fqdn: null, ipv4Address: null, ipv6Address: null, version: null, os: null, type: null };

/** os.type / installation values naming a known product; anything else passes through. */
const PRODUCT_TYPES = new Map<string, string>([
  ['nethserver', 'ns8'],
  ['ns8', 'ns8'],
  ['nethsecurity', 'nsec'],
  ['nsec', 'nsec'],
  // NethSecurity's name before its release, still sent by old ns-plug inventories.
  ['nextsecurity', 'nsec'],
]);

export function extractSystemIdentity(inventory: Record<string, unknown>): SystemIdentity {
  try {
    if (!isObject(inventory)) return { ...EMPTY };
    const installation = text(field(inventory, 'installation'))?.toLowerCase();
    const facts = field(inventory, 'facts');
    if (installation === 'nethserver') {
      return isObject(facts) ? fromNethServerFacts(inventory, facts) : { ...fromGeneric(inventory), type: 'ns8' };
    }
    if (installation === 'nethsecurity') {
      return isObject(facts) ? fromNethSecurityFacts(inventory, facts) : { ...fromGeneric(inventory), type: 'nsec' };
    }
    return fromGeneric(inventory);
  } catch {
    // Only a hostile object (a throwing getter or proxy) gets here; JSON.parse output never does.
    return { ...EMPTY };
  }
}

/** The documented generic shape, plus the legacy fields older NethServer/NethSecurity inventories used. */
function fromGeneric(inventory: JsonObject): SystemIdentity {
  const os = field(inventory, 'os');
  const type = productType(field(os, 'type'));
  const releaseFull = numberOrText(path(os, 'release', 'full'));
  const isProduct = type === 'ns8' || type === 'nsec';
  return {
    fqdn: text(field(inventory, 'fqdn')) ?? text(path(inventory, 'networking', 'fqdn')),
    ipv4Address: ipv4(field(inventory, 'ipv4_address')) ?? ipv4(field(inventory, 'public_ip')),
    ipv6Address: ipv6(field(inventory, 'ipv6_address')),
    // A product's release is its version; a plain Linux release is only the OS's.
    version: numberOrText(field(inventory, 'version')) ?? (isProduct ? releaseFull : null),
    os: isObject(os) ? describeOs(field(os, 'name'), numberOrText(field(os, 'version')) ?? releaseFull) : text(os),
    type,
  };
}

/** NethServer 8: a cluster; the system is represented by its leader node. */
function fromNethServerFacts(inventory: JsonObject, facts: JsonObject): SystemIdentity {
  const cluster = field(facts, 'cluster');
  const leader = leaderNode(field(facts, 'nodes'));
  return {
    fqdn: text(field(leader, 'fqdn')) ?? text(field(cluster, 'fqdn')) ?? text(field(inventory, 'fqdn')),
    ipv4Address: ipv4(field(leader, 'default_ipv4')) ?? ipv4(field(inventory, 'ipv4_address')) ?? ipv4(field(cluster, 'public_ip')),
    ipv6Address: ipv6(field(leader, 'default_ipv6')) ?? ipv6(field(inventory, 'ipv6_address')),
    version: numberOrText(field(leader, 'version')) ?? numberOrText(field(cluster, 'version')) ?? numberOrText(field(inventory, 'version')),
    os: describeOs(path(leader, 'distro', 'name'), numberOrText(path(leader, 'distro', 'version'))),
    type: 'ns8',
  };
}

/** NethSecurity: one firewall; its facts carry the distro but (so far) no fqdn or addresses. */
function fromNethSecurityFacts(inventory: JsonObject, facts: JsonObject): SystemIdentity {
  const distro = field(facts, 'distro');
  const version = numberOrText(field(distro, 'version')) ?? numberOrText(field(facts, 'version'));
  const name = text(field(distro, 'name')) ?? (version === null ? null : 'NethSecurity');
  return {
    fqdn: text(field(facts, 'fqdn')) ?? text(path(facts, 'networking', 'fqdn')) ?? text(field(inventory, 'fqdn')),
    ipv4Address: ipv4(field(facts, 'default_ipv4')) ?? ipv4(field(inventory, 'ipv4_address')) ?? ipv4(field(facts, 'public_ip')),
    ipv6Address: ipv6(field(facts, 'default_ipv6')) ?? ipv6(field(inventory, 'ipv6_address')),
    version: version ?? numberOrText(field(inventory, 'version')),
    os: describeOs(name, version),
    type: 'nsec',
  };
}

function describeOs(name: unknown, version: string | null): string | null {
  const osName = text(name);
  if (osName === null) return null;
  if (version === null || osName === version || osName.endsWith(` ${version}`)) return osName;
  return text(`${osName} ${version}`);
}

function productType(value: unknown): string | null {
  const type = text(value)?.toLowerCase();
  if (!type) return null;
  return PRODUCT_TYPES.get(type) ?? type;
}
