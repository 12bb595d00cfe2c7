/**
 * The host-inventory bench's fleet: hosts written straight to the tables (systems, their
 * liveness, their host profiles derived by the real deriveHostProfile from varied inventories of
 * the three appliance shapes), as a fleet that reported for a while would have left them.
 */
import { randomUUID } from 'node:crypto';
import { deriveHostProfile } from '../../src/features/inventory/host-profile/host-profile.ts';
import { genericInventory, ns8Inventory, nsecInventory } from '../../test/fixtures/sample-inventories.ts';
import type { Runner } from '../monitoring/monitoring-fleet.ts';
import type { HostProfile } from '../../src/features/inventory/host-profile/host-profile.ts';

const BATCH = 5_000;
const HOUR_MS = 3_600_000;
const ENVIRONMENTS = ['prod', 'test', 'dev'];
const ROLES = ['web', 'db', 'cache', 'mail', 'files', 'edge'];
const SERVICES = ['nginx', 'postgresql', 'redis', 'haproxy', 'postfix', 'dovecot', 'samba', 'docker', 'sshd', 'chronyd'];

type Json = Record<string, unknown>;

/** The i-th host's inventory: one of the three shapes, its numbers and names varied by i. */
export function hostInventory(i: number): Json {
  const shape = i % 3;
  if (shape === 0) {
    const inventory = genericInventory();
    const threads = [2, 4, 8, 16, 32, 64][Math.floor(i / 3) % 6]!;
    inventory.fqdn = `host-${i}.example.org`;
    inventory.ipv4_address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    inventory.os = { name: i % 5 === 0 ? 'AlmaLinux' : 'Rocky Linux', version: `${8 + (i % 2)}.${i % 6}`, kernel: '5.14.0-362.8.1.el9_3.x86_64' };
    inventory.hardware = { cpu_model: 'Intel Xeon Gold 6248R', cpu_cores: threads / 2, cpu_threads: threads, memory_total_gb: threads * 4, disk_total_gb: 500 };
    inventory.services = Object.fromEntries(SERVICES.filter((_, s) => (i >> s) % 2 === 0).map((name) => [name, { version: '1.0', status: 'running' }]));
    return inventory;
  }
  if (shape === 1) {
    const inventory = ns8Inventory();
    const nodes = (inventory.facts as Json).nodes as Record<string, Json>;
    (nodes['1']!.processors as Json).count = [2, 4, 8, 16][Math.floor(i / 3) % 4];
    nodes['1']!.fqdn = `cluster-${i}.example.org`;
    return inventory;
  }
  const inventory = nsecInventory();
  const facts = inventory.facts as Json;
  facts.fqdn = `fw-${i}.example.org`;
  facts.distro = { name: 'NethSecurity', version: `8.${i % 7}.${i % 3}` };
  return inventory;
}

/** Writes `count` hosts into the default organization; answers how long derivation and writing took. */
export async function writeHosts(runner: Runner, organizationId: string, count: number, now: Date): Promise<{ deriveMs: number; writeSeconds: number }> {
  let deriveMs = 0;
  const started = performance.now();
  for (let offset = 0; offset < count; offset += BATCH) {
    const rows: { id: string; name: string; labels: string; lastSeen: Date; created: Date; profile: HostProfile }[] = [];
    for (let i = offset; i < Math.min(count, offset + BATCH); i++) {
      const inventory = hostInventory(i);
      const derived = performance.now();
      const profile = deriveHostProfile(inventory);
      deriveMs += performance.now() - derived;
      // Check-ins spread over the last 48 hours: about 40 % are stale (29 h).
      const lastSeen = new Date(now.getTime() - ((i * 7919) % 48) * HOUR_MS - (i % 3600) * 1000);
      const created = new Date(now.getTime() - 90 * 24 * HOUR_MS + i * 1000);
      rows.push({
        id: randomUUID(),
        name: `host-${String(i).padStart(6, '0')}`,
        labels: JSON.stringify({ 'insights/env': ENVIRONMENTS[i % 3], role: ROLES[i % ROLES.length] }),
        lastSeen,
        created,
        profile,
      });
    }
    const column = <T>(pick: (row: (typeof rows)[number]) => T) => rows.map(pick);
    await runner.query(
      `INSERT INTO systems (id, organization_id, name, system_key, secret_public, secret_salt, secret_hash, labels, fqdn, last_inventory_at, registered_at, created_at, updated_at)
       SELECT v.id, $1, v.name, 'bench-' || v.id::text, 'bench-' || v.id::text, 'salt', 'hash', v.labels, v.fqdn, v.created, v.created, v.created, v.created
       FROM unnest($2::uuid[], $3::text[], $4::jsonb[], $5::text[], $6::timestamptz[]) AS v (id, name, labels, fqdn, created)`,
      [
        organizationId,
        column((r) => r.id),
        column((r) => r.name),
        column((r) => r.labels),
        column((r) => r.profile.canonicalFacts.fqdn ?? null),
        column((r) => r.created),
      ],
    );
    await runner.query(
      `INSERT INTO system_liveness (system_id, status, last_heartbeat, status_changed_at)
       SELECT v.id, 'active', v.seen, v.seen FROM unnest($1::uuid[], $2::timestamptz[]) AS v (id, seen)`,
      [column((r) => r.id), column((r) => r.lastSeen)],
    );
    await runner.query(
      `INSERT INTO host_profiles (system_id, organization_id, canonical_facts, system_profile, os_name, os_major, os_minor, updated_at)
       SELECT v.id, $1, v.facts, v.profile, v.os_name, v.os_major, v.os_minor, v.updated
       FROM unnest($2::uuid[], $3::jsonb[], $4::jsonb[], $5::text[], $6::int[], $7::int[], $8::timestamptz[]) AS v (id, facts, profile, os_name, os_major, os_minor, updated)`,
      [
        organizationId,
        column((r) => r.id),
        column((r) => JSON.stringify(r.profile.canonicalFacts)),
        column((r) => JSON.stringify(r.profile.systemProfile)),
        column((r) => r.profile.systemProfile.operating_system?.name ?? null),
        column((r) => r.profile.systemProfile.operating_system?.major ?? null),
        column((r) => r.profile.systemProfile.operating_system?.minor ?? null),
        column((r) => r.created),
      ],
    );
  }
  // As autovacuum does after a bulk insert: statistics, and the visibility map that index-only scans read.
  // One statement each: VACUUM cannot run inside the transaction a multi-statement string is.
  for (const table of ['systems', 'system_liveness', 'host_profiles']) await runner.exec(`VACUUM ANALYZE ${table}`);
  return { deriveMs, writeSeconds: (performance.now() - started) / 1000 };
}

/** µs per deriveHostProfile of each shape, over `rounds` calls after a warm-up. */
export function derivationCost(rounds: number): { shape: string; bytes: number; us: number }[] {
  return [
    { shape: 'generic (seed example)', make: () => genericInventory() },
    { shape: 'NethServer 8, 4 nodes, 17 modules', make: () => ns8Inventory() },
    { shape: 'NethSecurity', make: () => nsecInventory() },
  ].map(({ shape, make }) => {
    const inventory = make();
    for (let i = 0; i < 200; i++) deriveHostProfile(inventory);
    const started = performance.now();
    for (let i = 0; i < rounds; i++) deriveHostProfile(inventory);
    return { shape, bytes: Buffer.byteLength(JSON.stringify(inventory)), us: ((performance.now() - started) / rounds) * 1000 };
  });
}
