/**
 * Liveness detection at fleet scale: a database holding a large fleet of active systems
 * (bulk-inserted with SQL), of which a spread-out subset stops sending heartbeats so that they
 * cross the inactivity threshold a few seconds into the run. Measures how long Muster's
 * scanner takes to record each transition (recorded_at - occurred_at), and checks that no
 * other system changed status and that no transition was recorded twice.
 */
import path from 'node:path';
import { postgresSkipped, prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import { DB_LABEL, type DbKind, progress, sleep } from './lib/basics.ts';
import { scrapeMetrics } from './lib/metrics.ts';
import { peakRssFromProc } from './lib/proc-readings.ts';
import { logProblems, type MusterProcess } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, percentile, codeChangedWarning, writeBenchmarkSection } from './lib/report.ts';
import { bulkInsert, directorySize, openPglite, openPostgres, stopSystems } from './liveness/liveness-fleet.ts';
import { details, HEADER, type LivenessResult, type Phase, row } from './liveness/liveness-report.ts';

export interface LivenessOptions {
  dbs: DbKind[];
  /** Systems tracked; undefined for the per-database default. */
  fleet: number | undefined;
  stopped: number;
  scanIntervalMs: number;
  detectTimeoutSeconds: number;
  /** ANALYZE the bulk-inserted tables, as autovacuum would on a long-running PostgreSQL (PGlite has no autovacuum). */
  analyze: boolean;
}

const DEFAULT_FLEET: Record<DbKind, number> = { postgres: 1_000_000, pglite: 100_000 };
export const TIMEOUT_MINUTES = 10;
/** Stopped systems cross their threshold between these many seconds after their heartbeats are set. */
export const CROSS_FROM_S = 2;
export const CROSS_TO_S = 20;
export const INSERT_CHUNK: Record<DbKind, number> = { postgres: 250_000, pglite: 50_000 };

function stats(sorted: number[]) {
  return { min: sorted[0] ?? NaN, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN };
}

async function countInactiveThroughApi(muster: MusterProcess): Promise<number> {
  const response = await fetch(`${muster.url}/api/v1/systems?status=inactive&page_size=1`, {
    headers: { authorization: `Bearer ${muster.adminToken}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 200) throw new Error(`GET /api/v1/systems?status=inactive answered ${response.status}`);
  return ((await response.json()) as { total: number }).total;
}

async function benchDb(db: DbKind, options: LivenessOptions): Promise<LivenessResult> {
  const label = DB_LABEL[db];
  const fleet = options.fleet ?? DEFAULT_FLEET[db];
  const stopped = Math.min(options.stopped, fleet);
  const phases: Phase[] = [];
  let phaseStarted = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases.push({ name, seconds: (now - phaseStarted) / 1000 });
    phaseStarted = now;
  };

  const target = await prepareDatabase(db, 'muster-bench-liveness-');
  const { dataDir, scratch, postgresVersion } = target;
  const env = {
    HEARTBEAT_TIMEOUT_MINUTES: String(TIMEOUT_MINUTES),
    HEARTBEAT_WARNING_MINUTES: '0',
    LIVENESS_SCAN_INTERVAL_MS: String(options.scanIntervalMs),
  };

  // 1. Muster migrates the empty database and creates the default organization.
  const first = await startMusterOn(target, { env, label: `muster (${label}, migrations)` });
  const firstExit = await first.stop();
  if (firstExit.code !== 0) throw new Error(`Muster (first start) exited with ${firstExit.code}:\n${first.output.slice(-20).join('\n')}`);
  phase('migrate (first Muster start and stop)');

  // 2. The fleet, straight into the tables.
  progress(`${label}: inserting ${fmt(fleet)} systems (${fmt(stopped)} of them will stop)`);
  let runner = db === 'postgres' ? await openPostgres(scratch!.url) : await openPglite(dataDir);
  if (db === 'postgres') await runner.exec("SET synchronous_commit = off; SET statement_timeout = '300s'");
  await bulkInsert(runner, db, fleet, stopped);
  phase(`bulk insert ${fmt(fleet)} systems`);
  if (options.analyze) await runner.exec('ANALYZE systems; ANALYZE system_liveness');
  const stoppedIds = (await runner.query<{ id: string }>("SELECT id FROM systems WHERE name LIKE 'stopped-%' ORDER BY created_at, name")).map((row) => row.id);
  if (stoppedIds.length !== stopped) throw new Error(`expected ${stopped} stopped systems, found ${stoppedIds.length}`);
  const dbSize = db === 'postgres' ? Number((await runner.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size'))[0]?.size) : undefined;
  phase(options.analyze ? 'analyze and pick the stopped systems' : 'pick the stopped systems');

  // 3. Muster on the full fleet. On PostgreSQL the stopped systems stop once Muster is up, so
  // the measured delay is the scanner's alone; PGlite is one process's database, so there
  // they stop just before Muster starts.
  let stoppedAtMs: number;
  let muster: MusterProcess;
  if (db === 'postgres') {
    muster = await startMusterOn(target, { env });
    stoppedAtMs = Date.now();
    await stopSystems(runner, stoppedIds);
  } else {
    stoppedAtMs = Date.now();
    await stopSystems(runner, stoppedIds);
    await runner.close();
    muster = await startMusterOn(target, { env });
  }
  const healthyAtMs = Date.now();
  phase('start Muster on the full fleet');
  progress(`${label}: Muster pid ${muster.pid} healthy after ${fmt(muster.startupMs)} ms; waiting for ${fmt(stopped)} inactive transitions`);

  // 4. Wait for every stopped system to be recorded inactive.
  const deadline = stoppedAtMs + options.detectTimeoutSeconds * 1000;
  let detectedAfterS: number | undefined;
  let lastReport = 0;
  while (Date.now() < deadline) {
    const inactive =
      db === 'postgres'
        ? Number((await runner.query<{ n: number }>("SELECT count(*)::int AS n FROM liveness_events WHERE to_status = 'inactive'"))[0]?.n)
        : await countInactiveThroughApi(muster);
    if (inactive >= stopped) {
      detectedAfterS = (Date.now() - stoppedAtMs) / 1000;
      break;
    }
    if (Date.now() - lastReport > 5_000) {
      progress(`${label}: ${fmt(inactive)} of ${fmt(stopped)} inactive`);
      lastReport = Date.now();
    }
    await sleep(db === 'postgres' ? 250 : 500);
  }
  const timedOut = detectedAfterS === undefined;
  // A few more scans, to catch duplicates or systems that should not have moved.
  await sleep(Math.max(2_000, 3 * options.scanIntervalMs));
  phase('detection (until all stopped systems are inactive, plus a few scans)');

  const metrics = await scrapeMetrics(muster.url);
  const vmHwm = peakRssFromProc(muster.pid);
  // PGlite: Muster must let go of the database before this process can open it.
  const stoppedFirst = db === 'pglite' ? await muster.stop() : undefined;
  if (db === 'pglite') runner = await openPglite(dataDir);

  // 5. What was recorded.
  const events = await runner.query<{ system_id: string; from_status: string; to_status: string; delay_ms: number; occurred_ms: number; mismatch_ms: number }>(
    `SELECT e.system_id, e.from_status, e.to_status,
            extract(epoch FROM e.recorded_at - e.occurred_at)::float8 * 1000 AS delay_ms,
            extract(epoch FROM e.occurred_at)::float8 * 1000 AS occurred_ms,
            abs(extract(epoch FROM e.occurred_at - (l.last_heartbeat + make_interval(mins => ${TIMEOUT_MINUTES}))))::float8 * 1000 AS mismatch_ms
     FROM liveness_events e JOIN system_liveness l ON l.system_id = e.system_id`,
  );
  const statusRows = await runner.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM system_liveness GROUP BY status ORDER BY status',
  );
  await runner.close();
  const exit = stoppedFirst ?? (await muster.stop());
  progress(`${label}: Muster stopped (exit code ${exit.code}) in ${fmt(exit.ms)} ms`);
  if (scratch) await scratch.drop();
  const pgliteSize = db === 'pglite' ? await directorySize(path.join(dataDir, 'pglite')) : undefined;
  phase('collect results, stop Muster, drop the database');

  const stoppedSet = new Set(stoppedIds);
  const inactiveEvents = events.filter((event) => event.to_status === 'inactive');
  const perSystem = new Map<string, number>();
  for (const event of events) perSystem.set(event.system_id, (perSystem.get(event.system_id) ?? 0) + 1);
  const otherEvents: Record<string, number> = {};
  for (const event of events) {
    if (event.to_status !== 'inactive')
      otherEvents[`${event.from_status}→${event.to_status}`] = (otherEvents[`${event.from_status}→${event.to_status}`] ?? 0) + 1;
  }
  const delays = inactiveEvents.map((event) => Number(event.delay_ms)).sort((a, b) => a - b);
  const afterHealthy = inactiveEvents.filter((event) => Number(event.occurred_ms) >= healthyAtMs);
  const delaysAfterHealthy = afterHealthy.map((event) => Number(event.delay_ms)).sort((a, b) => a - b);

  return {
    db,
    fleet,
    stopped,
    phases,
    inactiveEvents: inactiveEvents.length,
    distinctInactive: new Set(inactiveEvents.map((event) => event.system_id)).size,
    inactiveOutsideStopped: inactiveEvents.filter((event) => !stoppedSet.has(event.system_id)).length,
    otherEvents,
    maxEventsPerSystem: Math.max(0, ...perSystem.values()),
    statusCounts: Object.fromEntries(statusRows.map((row) => [row.status, Number(row.n)])),
    occurredMismatchMaxMs: Math.max(0, ...events.map((event) => Number(event.mismatch_ms))),
    delays: stats(delays),
    crossedBeforeHealthy: inactiveEvents.length - afterHealthy.length,
    delaysAfterHealthy: delaysAfterHealthy.length ? stats(delaysAfterHealthy) : undefined,
    detectedAfterS,
    timedOut,
    rss: metrics.samples.get('process_resident_memory_bytes'),
    vmHwm,
    metricsScrapeMs: metrics.ms,
    transitionsCounter: metrics.samples.get('muster_liveness_transitions_total{to="inactive"}'),
    startupMs: muster.startupMs,
    stoppedAt: db === 'postgres' ? 'after-healthy' : 'before-start',
    exit,
    firstExit,
    dbSize: dbSize ?? pgliteSize,
    nodeVersion: muster.health.data.node_version,
    postgresVersion,
    logProblems: logProblems(muster),
  };
}

export async function runLivenessBench(options: LivenessOptions): Promise<void> {
  const results: LivenessResult[] = [];
  for (const db of options.dbs) {
    if (await postgresSkipped(db, 'Liveness')) continue;
    if (db === 'pglite' && options.fleet === undefined) {
      console.log(
        `\nLiveness benchmark on PGlite: default fleet ${fmt(DEFAULT_FLEET.pglite)} systems (not ${fmt(DEFAULT_FLEET.postgres)}); --fleet to change.`,
      );
    }
    const machine = machineInfo();
    const result = await benchDb(db, options);
    results.push(result);
    const codeChanged = codeChangedWarning(machine);
    const body = [
      `## Liveness detection — ${DB_LABEL[db]}`,
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ${machine.platform}; Node ${result.nodeVersion} (Muster child)` +
        `${result.postgresVersion ? `; PostgreSQL ${result.postgresVersion} on the same machine` : ''}`,
      `- Code: git ${machine.git}`,
      ...codeChanged,
      `- Parameters: ${fmt(result.fleet)} tracked systems${db === 'pglite' && options.fleet === undefined ? ' (the PGlite default; PostgreSQL runs 1,000,000)' : ''}, ` +
        `${fmt(result.stopped)} of them stopping; HEARTBEAT_TIMEOUT_MINUTES=${TIMEOUT_MINUTES}, warning off, LIVENESS_SCAN_INTERVAL_MS=${options.scanIntervalMs}, ` +
        `detection timeout ${options.detectTimeoutSeconds} s; ${options.analyze ? 'tables analyzed after the bulk insert' : 'no ANALYZE (--no-analyze)'}.`,
      '',
      markdownTable(HEADER, [row(result)]),
      '',
      ...details(result, options).map((line) => `- ${line}`),
    ].join('\n');
    await writeBenchmarkSection('liveness', db, body);
  }
  if (results.length === 0) return;
  console.log(`\nLiveness benchmark (LIVENESS_SCAN_INTERVAL_MS=${options.scanIntervalMs}, timeout ${TIMEOUT_MINUTES} min)\n`);
  console.log(markdownTable(HEADER, results.map(row)));
  for (const result of results) {
    console.log(`\n${DB_LABEL[result.db]}:`);
    for (const line of details(result, options)) console.log(`  - ${line}`);
  }
  console.log(`\nWritten to BENCHMARKS.md.`);
}
