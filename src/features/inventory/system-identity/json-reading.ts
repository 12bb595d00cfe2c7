/**
 * Reading untrusted inventory JSON: own properties only, text trimmed, cleaned of control
 * characters and capped, addresses checked. Shared by the summary fields (system-identity.ts)
 * and the host profile (../host-profile/host-profile.ts). Nothing here throws on JSON.parse output.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Summary columns are short text; longer values are cut here rather than rejected. */
export const SUMMARY_MAX_LENGTH = 255;

export type JsonObject = Record<string, unknown>;

/**
 * `facts.nodes` is an object keyed by node id (what NS8 sends); an array of nodes with `id`
 * is accepted too. The leader is the node flagged `cluster_leader`, else node 1, else the
 * lowest id.
 */
export function leaderNode(nodes: unknown): JsonObject | undefined {
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

/** Version-like fields: text, or a number sent unquoted (`"version": 8`, `"id": 2`). */
export function numberOrText(value: unknown): string | null {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : text(value);
}

/** Trimmed, control-free, well-formed text of at most SUMMARY_MAX_LENGTH; null when empty or not a string. */
export function text(value: unknown): string | null {
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

export function ipv4(value: unknown): string | null {
  const address = text(value);
  return address !== null && isIPv4(address) ? address : null;
}

export function ipv6(value: unknown): string | null {
  const address = text(value)?.toLowerCase();
  return address !== undefined && isIPv6(address) ? address : null;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An own property only: `constructor`, `__proto__` and friends are never read from the prototype. */
export function field(value: unknown, key: string): unknown {
  return isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

export function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = field(current, key);
  return current;
}
