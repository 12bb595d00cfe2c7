import type { System } from './systems-store.ts';

const COLUMNS: readonly [string, (system: System) => string | null][] = [
  ['id', (s) => s.id],
  ['name', (s) => s.name],
  ['type', (s) => s.type],
  ['status', (s) => s.status],
  ['organization', (s) => s.organizationName],
  ['system_key', (s) => s.systemKey],
  ['version', (s) => s.version],
  ['agent_version', (s) => s.agentVersion],
  ['fqdn', (s) => s.fqdn],
  ['ipv4_address', (s) => s.ipv4Address],
  ['ipv6_address', (s) => s.ipv6Address],
  ['os', (s) => s.os],
  ['last_heartbeat', (s) => s.lastHeartbeat?.toISOString() ?? null],
  ['last_inventory_at', (s) => s.lastInventoryAt?.toISOString() ?? null],
  ['registered_at', (s) => s.registeredAt?.toISOString() ?? null],
  ['suspended', (s) => String(s.suspendedAt !== null)],
  ['deleted', (s) => String(s.deletedAt !== null)],
  [
    'labels',
    (s) =>
      Object.entries(s.labels)
        .map(([key, value]) => `${key}=${value}`)
        .join(';'),
  ],
];

/**
 * One CSV cell (RFC 4180). Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
 * CR at the start) is prefixed with `'`: names and labels come from operators and appliances.
 */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The systems as CSV lines (CRLF), header first, page by page as they are read. */
export async function* systemsCsv(pages: AsyncIterable<System[]>): AsyncGenerator<string> {
  yield `${COLUMNS.map(([name]) => name).join(',')}\r\n`;
  for await (const systems of pages) {
    yield systems.map((system) => `${COLUMNS.map(([, read]) => csvCell(read(system))).join(',')}\r\n`).join('');
  }
}
