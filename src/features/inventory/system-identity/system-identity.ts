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
import { isIPv4, isIPv6 } from 'node:net';

export type SystemIdentity = {
  fqdn: string | null;
  ipv4Address: string | null;
  ipv6Address: string | null;
  version: string | null;
  os: string | null;
  type: string | null;
};

/** Summary columns are short text; longer values are cut here rather than rejected. */
export const SUMMARY_MAX_LENGTH = 255;

type JsonObject = Record<string, unknown>;

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

/**
 * `facts.nodes` is an object keyed by node id (what NS8 sends); an array of nodes with `id`
 * is accepted too. The leader is the node flagged `cluster_leader`, else node 1, else the
 * lowest id.
 */
function leaderNode(nodes: unknown): JsonObject | undefined {
  const entries: Array<{ id: string; node: JsonObject }> = [];
  if (Array.isArray(nodes)) {
    nodes.forEach((node: unknown, index) => {
      if (isObject(node)) entries.push({ id: numberOrText(field(node, 'id')) ?? String(index + 1), node });
    });
  } else if (isObject(nodes)) {
    for (const [id, node] of Object.entries(nodes)) if (isObject(node)) entries.push({ id, node });
  }
  const flagged = entries.find(({ node }) => {
    const leader = field(node, 'cluster_leader');
    return leader === true || leader === 'true';
  });
  if (flagged) return flagged.node;
  const first = entries.find(({ id }) => id === '1');
  if (first) return first.node;
  const byId = (a: { id: string }, b: { id: string }) => (Number(a.id) || Infinity) - (Number(b.id) || Infinity);
  return entries.sort(byId)[0]?.node;
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

/** Version-like fields: text, or a number sent unquoted (`"version": 8`, `"id": 2`). */
function numberOrText(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : text(value);
}

/** Trimmed, control-free, well-formed text of at most SUMMARY_MAX_LENGTH; null when empty or not a string. */
function text(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  // Bound the work on a multi-megabyte string before cleaning it.
  const raw = value.trimStart().slice(0, SUMMARY_MAX_LENGTH * 4);
  // PostgreSQL text cannot hold NUL; no summary field has a use for other control characters.
  const cleaned = raw
    .toWellFormed()
    .replace(/\p{Cc}+/gu, ' ')
    .trim();
  if (cleaned === '') return null;
  if (cleaned.length <= SUMMARY_MAX_LENGTH) return cleaned;
  let capped = cleaned.slice(0, SUMMARY_MAX_LENGTH);
  // Never leave half of a surrogate pair at the cut.
  if (/[\uD800-\uDBFF]$/.test(capped)) capped = capped.slice(0, -1);
  return capped.trimEnd();
}

function ipv4(value: unknown): string | null {
  const address = text(value);
  return address !== null && isIPv4(address) ? address : null;
}

function ipv6(value: unknown): string | null {
  const address = text(value)?.toLowerCase();
  return address !== undefined && isIPv6(address) ? address : null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: `constructor`, `__proto__` and friends are never read from the prototype. */
function field(value: unknown, key: string): unknown {
  return isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = field(current, key);
  return current;
}
