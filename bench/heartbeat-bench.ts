/**
 * Heartbeat throughput: Muster (a child process, on PGlite or a scratch PostgreSQL database)
 * takes POST /api/systems/heartbeat from N registered systems, HTTP Basic credentials rotating
 * over all of them, driven by Debian's wrk (default: 256 connections, as a fleet is many
 * clients) or by autocannon from this process (`--generator autocannon`). The same load against
 * a bare node:http server that answers the same acknowledgement gives the ceiling of this
 * machine. Beside throughput, the CPU each request costs Muster and PostgreSQL (read from
 * /proc), which is far steadier than requests/s on a shared machine.
 */
import pg from 'pg';
import { musterRunFacts, postgresSkipped, prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import { DB_LABEL, type DbKind, progress, sleep } from './lib/basics.ts';
import { createFleet } from './lib/fleet.ts';
import { sampleRss, type Samples, scrapeMetrics } from './lib/metrics.ts';
import { peakRssFromProc } from './lib/proc-readings.ts';
import { baseEnv, spawnNode } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, codeChangedWarning, writeBenchmarkSection } from './lib/report.ts';
import { drive } from './heartbeat/heartbeat-load.ts';
import { type DbResult, details, HEADER, row } from './heartbeat/heartbeat-report.ts';

export type LoadGenerator = 'wrk' | 'autocannon';

export interface HeartbeatOptions {
  dbs: DbKind[];
  generator: LoadGenerator;
  systems: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

export const HEARTBEAT_PATH = '/api/systems/heartbeat';
const SETTLE_MS = 1_000;

function sumOf(samples: Samples, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of samples) {
    if (key === name || key.startsWith(`${name}{`)) out[key.slice(name.length) || '(total)'] = value;
  }
  return out;
}

async function startBareServer(): Promise<{ url: string; pid: number; stop: () => Promise<unknown> }> {
  const child = spawnNode('bench/bare-server.ts', baseEnv(), 'bare server');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const line = child.output.find((entry) => entry.startsWith('listening '));
    if (line) return { url: `http://127.0.0.1:${line.slice('listening '.length)}`, pid: child.pid, stop: () => child.stop() };
    await sleep(20);
  }
  await child.stop();
  throw new Error(`the bare server did not start:\n${child.output.join('\n')}`);
}

async function benchDb(db: DbKind, options: HeartbeatOptions): Promise<DbResult> {
  const target = await prepareDatabase(db, 'muster-bench-heartbeat-');
  const { label, scratch } = target;

  const muster = await startMusterOn(target);
  progress(`${label}: Muster pid ${muster.pid} healthy after ${fmt(muster.startupMs)} ms; creating and registering ${fmt(options.systems)} systems`);
  const setupStarted = performance.now();
  const fleet = await createFleet(muster, options.systems);
  const setupSeconds = (performance.now() - setupStarted) / 1000;

  const rss = sampleRss(muster.url, 500);
  progress(`${label}: warm-up ${options.warmupSeconds} s, then ${options.durationSeconds} s with ${options.connections} connections`);
  await drive(options.generator, muster.url, fleet, options.connections, options.warmupSeconds, muster.pid);
  // The generator stops without waiting for the requests in flight; Muster still answers them.
  // Let them land so the counters bracket the measured window only.
  await sleep(SETTLE_MS);
  const before = (await scrapeMetrics(muster.url)).samples;
  const measured = await drive(options.generator, muster.url, fleet, options.connections, options.durationSeconds, muster.pid);
  await sleep(SETTLE_MS);
  const after = (await scrapeMetrics(muster.url)).samples;
  const rssPeak = await rss.stop();
  const vmHwm = peakRssFromProc(muster.pid);

  const sum = (samples: Samples, name: string) => samples.get(name) ?? 0;
  const batchSumWindow = sum(after, 'muster_heartbeat_batch_size_sum') - sum(before, 'muster_heartbeat_batch_size_sum');
  const batchesWindow = sum(after, 'muster_heartbeat_batch_size_count') - sum(before, 'muster_heartbeat_batch_size_count');
  const writeSecondsWindow = sum(after, 'muster_heartbeat_write_seconds_sum') - sum(before, 'muster_heartbeat_write_seconds_sum');
  const exit = await muster.stop();
  progress(`${label}: Muster stopped (exit code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ''}) in ${fmt(exit.ms)} ms`);
  let statistics = 'PGlite has no autovacuum: its tables are never analyzed unless Muster does it';
  if (scratch) {
    const client = new pg.Client({ connectionString: scratch.url });
    await client.connect();
    const { rows } = await client.query<{ relname: string; last_autoanalyze: Date | null }>(
      "SELECT relname, last_autoanalyze FROM pg_stat_user_tables WHERE relname IN ('systems', 'system_liveness') ORDER BY relname",
    );
    await client.end();
    const analyzed = rows.filter((entry) => entry.last_autoanalyze !== null);
    statistics = analyzed.length
      ? `autovacuum analyzed ${analyzed.map((entry) => `${entry.relname} at ${entry.last_autoanalyze!.toISOString()}`).join(', ')}`
      : 'autovacuum had not analyzed systems or system_liveness by the end of the run';
    await scratch.drop();
  }

  progress(`${label}: bare node:http server, same load`);
  const bareServer = await startBareServer();
  await drive(options.generator, bareServer.url, fleet, options.connections, options.warmupSeconds, bareServer.pid);
  const bare = await drive(options.generator, bareServer.url, fleet, options.connections, options.durationSeconds, bareServer.pid);
  await bareServer.stop();

  return {
    db,
    muster: measured,
    bare,
    batchMeanWindow: batchesWindow > 0 ? batchSumWindow / batchesWindow : NaN,
    batchMeanTotal: sum(after, 'muster_heartbeat_batch_size_sum') / sum(after, 'muster_heartbeat_batch_size_count'),
    batchesWindow,
    writeMsMean: batchesWindow > 0 ? (writeSecondsWindow * 1000) / batchesWindow : NaN,
    acceptedWindow: sum(after, 'muster_heartbeats_accepted_total') - sum(before, 'muster_heartbeats_accepted_total'),
    rejected: sumOf(after, 'muster_heartbeats_rejected_total'),
    activeSystems: after.get('muster_systems{status="active"}'),
    peakRss: rssPeak.peak,
    rssSamples: rssPeak.samples,
    rssFailures: rssPeak.failures,
    vmHwm,
    ...musterRunFacts(target, muster, exit, setupSeconds),
    statistics,
  };
}

export async function runHeartbeatBench(options: HeartbeatOptions): Promise<void> {
  const results: DbResult[] = [];
  for (const db of options.dbs) {
    if (await postgresSkipped(db, 'Heartbeat')) continue;
    const machine = machineInfo();
    const result = await benchDb(db, options);
    results.push(result);
    const codeChanged = codeChangedWarning(machine);

    const date = new Date().toISOString();
    const parameters =
      `${fmt(options.systems)} registered systems, ${options.generator}${options.generator === 'wrk' ? ' (2 threads)' : ''}, ${options.connections} connections, ${options.durationSeconds} s measured after a ` +
      `${options.warmupSeconds} s warm-up (each target), POST ${HEARTBEAT_PATH} with body \`{}\` and HTTP Basic credentials rotating over all systems; ` +
      `Muster defaults (HEARTBEAT_BATCH_SIZE=1000, DATABASE_POOL_SIZE=10), LOG_LEVEL=warn.`;
    const body = [
      `## Heartbeat throughput — ${DB_LABEL[db]}`,
      '',
      `- Date: ${date}`,
      `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ${machine.platform}; Node ${result.nodeVersion} (Muster child)` +
        `${result.postgresVersion ? `; PostgreSQL ${result.postgresVersion} on the same machine` : ''}`,
      `- Code: git ${machine.git}`,
      ...codeChanged,
      `- Parameters: ${parameters}`,
      '',
      markdownTable(HEADER, [row(result)]),
      '',
      ...details(result, options).map((line) => `- ${line}`),
    ].join('\n');
    await writeBenchmarkSection('heartbeat', db, body);
  }
  if (results.length === 0) return;

  console.log(
    `\nHeartbeat benchmark (${fmt(options.systems)} systems, ${options.generator}, ${options.connections} connections, ${options.durationSeconds} s after ${options.warmupSeconds} s warm-up)\n`,
  );
  console.log(markdownTable(HEADER, results.map(row)));
  for (const result of results) {
    console.log(`\n${DB_LABEL[result.db]}:`);
    for (const line of details(result, options)) console.log(`  - ${line}`);
  }
  console.log(`\nWritten to BENCHMARKS.md.`);
}
