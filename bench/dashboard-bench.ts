/**
 * Dashboard API benchmark: a fleet of 10,000 systems (a share of them registered and sending a
 * heartbeat), then the requests the dashboard's pages make, each repeated, timed one at a time
 * over loopback: list pages (first and deep, several sorts), search, filters, health scores for
 * a page, the fleet summary, and the CSV export of the whole fleet. The registered systems send an
 * inventory (half NethServer 8 with its modules, half a generic Rocky Linux host), so that search
 * reaches into inventory contents. Goal (issue 17): the list, search (names and inventory
 * contents), filters and the alerts page at p50 < 50 ms, p99 < 150 ms.
 */
import pg from 'pg';
import { prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import { DB_LABEL, type DbKind, progress } from './lib/basics.ts';
import { admin } from './lib/admin.ts';
import { onCleanup } from './lib/cleanups.ts';
import { createFleet } from './lib/fleet.ts';
import { postgresReachable } from './lib/postgres.ts';
import { type MusterProcess } from './lib/processes.ts';
import { genericInventory, ns8Inventory } from '../test/fixtures/sample-inventories.ts';
import { fmt, machineInfo, markdownTable, percentile, writeBenchmarkSection } from './lib/report.ts';

export interface DashboardBenchOptions {
  dbs: DbKind[];
  systems: number;
  registered: number;
  repeats: number;
}

async function createUnregistered(muster: MusterProcess, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= to) return;
      const response = await fetch(`${muster.url}/api/v1/systems`, {
        method: 'POST',
        headers: { authorization: `Bearer ${muster.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `fleet-${String(index).padStart(6, '0')}`, type: index % 3 === 0 ? 'nsec' : 'ns8', labels: { rack: `r${index % 40}` } }),
      });
      if (response.status !== 201) throw new Error(`POST /api/v1/systems answered ${response.status}: ${await response.text()}`);
      await response.body?.cancel();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function timeRequest(muster: MusterProcess, path: string, repeats: number): Promise<{ sorted: number[]; bytes: number; body: string }> {
  const samples: number[] = [];
  let body = '';
  for (let i = 0; i < repeats + 2; i++) {
    const started = performance.now();
    const response = await fetch(`${muster.url}/api/v1/${path}`, { headers: { authorization: `Bearer ${muster.adminToken}` } });
    body = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${body.slice(0, 300)}`);
    if (i >= 2) samples.push(ms); // the first two warm the plan caches
  }
  return { sorted: samples.sort((a, b) => a - b), bytes: Buffer.byteLength(body), body };
}

export async function runDashboardBench(options: DashboardBenchOptions): Promise<void> {
  for (const db of options.dbs) {
    if (db === 'postgres') {
      const problem = await postgresReachable();
      if (problem) throw new Error(`PostgreSQL is not reachable: ${problem}`);
    }
    const target = await prepareDatabase(db, `muster-bench-dashboard-${db}-`);
    // PGlite has no autovacuum: Muster analyzes it itself every EMBEDDED_MAINTENANCE_MINUTES (10 by
    // default, and once at start, on empty tables). Every minute here, so that a pass sees the fleet.
    const muster = await startMusterOn(target, { label: `muster (dashboard, ${db})`, env: db === 'pglite' ? { EMBEDDED_MAINTENANCE_MINUTES: '1' } : {} });
    onCleanup(async () => void (await muster.stop(10_000)));

    const started = performance.now();
    progress(`${DB_LABEL[db]}: creating ${options.registered} registered systems and ${options.systems - options.registered} more`);
    const fleet = await createFleet(muster, options.registered);
    for (const [index, system] of fleet.entries()) {
      const authorization = `Basic ${Buffer.from(`${system.systemKey}:${system.secret}`).toString('base64')}`;
      const beat = await fetch(`${muster.url}/api/systems/heartbeat`, { method: 'POST', headers: { authorization } });
      await beat.body?.cancel();
      const inventory = { ...(index % 2 === 0 ? ns8Inventory() : genericInventory()), hostname: `fleet-host-${index}` };
      const sent = await fetch(`${muster.url}/api/systems/inventory`, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(inventory),
      });
      if (sent.status !== 202) throw new Error(`POST /api/systems/inventory answered ${sent.status}: ${await sent.text()}`);
    }
    await createUnregistered(muster, options.registered, options.systems);
    // The inventories are processed by jobs: wait until every one is searchable.
    const expected = Math.ceil(options.registered / 2);
    for (let searchable = 0; searchable < expected;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const answer = await fetch(`${muster.url}/api/v1/systems?search=nextcloud&page_size=1`, { headers: { authorization: `Bearer ${muster.adminToken}` } });
      searchable = ((await answer.json()) as { total: number }).total;
    }
    // The registered systems fall silent (a 1-second timeout), so that the alerts page lists one
    // firing LinkFailed per registered system and a history of as many.
    const organizations = (await admin(muster, 'GET', '/api/v1/organizations')) as { items: { id: string; is_default: boolean }[] };
    const organization = organizations.items.find((item) => item.is_default)!.id;
    await admin(muster, 'PATCH', `/api/v1/organizations/${organization}`, { heartbeat_timeout_seconds: 1, heartbeat_warning_seconds: 0 });
    for (let firing = 0; firing < options.registered;) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      firing = ((await admin(muster, 'GET', '/api/v1/alerts?status=firing&page_size=1')) as { total: number }).total;
    }
    // As autovacuum would within a minute of such a change on a long-running PostgreSQL, and as
    // Muster's own maintenance does on PGlite: the planner sees 10,000 systems, not empty tables.
    if (target.scratch) {
      const client = new pg.Client({ connectionString: target.scratch.url });
      await client.connect();
      await client.query('VACUUM ANALYZE');
      await client.end();
    } else {
      progress(`${DB_LABEL[db]}: waiting 65 s for Muster's own VACUUM ANALYZE to see the fleet`);
      await new Promise((resolve) => setTimeout(resolve, 65_000));
    }
    const setupSeconds = (performance.now() - started) / 1000;

    const deepPage = Math.max(1, Math.floor(options.systems / 50 / 2));
    const requests: [string, string][] = [
      ['list, page 1 by name', 'systems?page=1&page_size=50&sort=name'],
      [`list, page ${deepPage} by last heartbeat`, `systems?page=${deepPage}&page_size=50&sort=last_heartbeat&order=desc`],
      ['list, by organization', 'systems?page=3&page_size=50&sort=organization'],
      ['search "fleet-0099"', 'systems?search=fleet-0099&page_size=50&sort=name'],
      ['search inventory "nextcloud"', 'systems?search=nextcloud&page_size=50&sort=name'],
      ['search inventory "rocky linux"', 'systems?search=rocky%20linux&page_size=50&sort=name'],
      ['search, no match "zzz-nothing"', 'systems?search=zzz-nothing&page_size=50&sort=name'],
      ['filter type + status', 'systems?type=ns8&status=unknown&page_size=50&sort=name'],
      ['filter 2 states + 2 types', 'systems?state=never_registered&state=active&type=ns8&type=nsec&page_size=50&sort=name'],
      ['filter 2 labels, by status', 'systems?label=rack:r1&label=rack:r2&page_size=50&sort=status'],
      ['labels in use', 'systems/labels'],
      ['alerts page, firing', 'alerts?status=firing&page_size=50'],
      ['alerts page, history', 'alerts?page_size=50'],
      ['fleet summary', 'summary'],
      ['firing alerts', 'alerts?status=firing&severity=critical&severity=high&page_size=10'],
    ];
    const rows: string[][] = [];
    let healthPage = '';
    for (const [label, path] of requests) {
      progress(`${DB_LABEL[db]}: ${label}`);
      const { sorted, bytes, body } = await timeRequest(muster, path, options.repeats);
      if (path.startsWith('systems?page=1&')) {
        const ids = (JSON.parse(body) as { items: { id: string }[] }).items.map((item) => `system_id=${item.id}`);
        healthPage = `health-scores?${ids.join('&')}`;
      }
      rows.push([label, fmt(percentile(sorted, 50), 1), fmt(percentile(sorted, 99), 1), fmt(sorted.at(-1), 1), fmt(bytes / 1024, 1)]);
    }
    const health = await timeRequest(muster, healthPage, options.repeats);
    rows.push([
      'health scores, a page of 50',
      fmt(percentile(health.sorted, 50), 1),
      fmt(percentile(health.sorted, 99), 1),
      fmt(health.sorted.at(-1), 1),
      fmt(health.bytes / 1024, 1),
    ]);
    progress(`${DB_LABEL[db]}: CSV export`);
    const csv = await timeRequest(muster, 'systems/export', 3);
    const csvRows = csv.body.trimEnd().split('\r\n').length - 1;
    if (csvRows !== options.systems) throw new Error(`the CSV export had ${csvRows} rows, expected ${options.systems}`);
    rows.push([
      `CSV export, all ${options.systems.toLocaleString('en-US')}`,
      fmt(percentile(csv.sorted, 50), 0),
      '',
      fmt(csv.sorted.at(-1), 0),
      fmt(csv.bytes / 1024, 0),
    ]);

    const machine = machineInfo();
    const lines = [
      `## Dashboard API — ${DB_LABEL[db]}`,
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ${machine.platform}; Node ${muster.health.data.node_version} (Muster child)${target.postgresVersion ? `; ${target.postgresVersion} on the same machine` : ''}`,
      `- Code: git ${machine.git}`,
      `- Parameters: ${options.systems.toLocaleString('en-US')} systems (${options.registered.toLocaleString('en-US')} registered with one heartbeat and one inventory each, half NethServer 8 and half generic Rocky Linux, then silent past a 1-second timeout so that each has a LinkFailed alert firing; the rest never registered; then VACUUM ANALYZE: on PostgreSQL by the bench, as autovacuum would, on PGlite by Muster's own maintenance, every minute here), one organization; each request ${options.repeats} times after 2 warm-ups, one at a time over loopback (the CSV export 3 times). Set-up through the API took ${fmt(setupSeconds, 1)} s.`,
      '',
      markdownTable(['request', 'p50 ms', 'p99 ms', 'max ms', 'answer KiB'], rows),
    ];
    console.log(`\n${lines.join('\n')}\n`);
    await writeBenchmarkSection('dashboard', db, lines.join('\n'));
    await muster.stop(10_000);
  }
}
