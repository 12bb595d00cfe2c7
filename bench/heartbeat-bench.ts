/**
 * Heartbeat throughput: Muster (a child process, on PGlite or a scratch PostgreSQL database)
 * takes POST /api/systems/heartbeat from N registered systems, HTTP Basic credentials rotating
 * over all of them, driven by Debian's wrk (default: 256 connections, as a fleet is many
 * clients) or by autocannon from this process (`--generator autocannon`). The same load against
 * a bare node:http server that answers the same acknowledgement gives the ceiling of this
 * machine. Beside throughput, the CPU each request costs Muster and PostgreSQL (read from
 * /proc), which is far steadier than requests/s on a shared machine.
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { postgresSkipped, prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import { DB_LABEL, type DbKind, progress, sleep } from './lib/basics.ts';
import { createFleet, type Credentials } from './lib/fleet.ts';
import { sampleRss, type Samples, scrapeMetrics } from './lib/metrics.ts';
import { cpuSeconds, cpuSecondsOfCommand, machineBusySeconds, peakRssFromProc } from './lib/proc-readings.ts';
import { baseEnv, logProblems, spawnNode } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, mib, percentile, codeChangedWarning, writeBenchmarkSection } from './lib/report.ts';
import { runWrk } from './wrk.ts';

export type LoadGenerator = 'wrk' | 'autocannon';

export interface HeartbeatOptions {
  dbs: DbKind[];
  generator: LoadGenerator;
  systems: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
}

const HEARTBEAT_PATH = '/api/systems/heartbeat';
const SETTLE_MS = 1_000;

interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCounts: Map<number, number>;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU seconds the target used during the run, per wall-clock second (cores kept busy). */
  targetCores: number | undefined;
  /** The same for the load generator. */
  generatorCores: number | undefined;
  /** CPU seconds PostgreSQL's processes used during the run, per wall-clock second (all of the machine's `postgres` processes). */
  postgresCores: number | undefined;
  /** The same for the whole machine (everything, PostgreSQL and other tenants included). */
  machineCores: number | undefined;
}

interface DbResult {
  db: DbKind;
  muster: LoadResult;
  bare: LoadResult;
  batchMeanWindow: number;
  batchMeanTotal: number;
  batchesWindow: number;
  /** Mean time to write and commit a batch, as Muster measured it (muster_heartbeat_write_seconds). */
  writeMsMean: number;
  acceptedWindow: number;
  rejected: Record<string, number>;
  activeSystems: number | undefined;
  peakRss: number;
  rssSamples: number;
  rssFailures: number;
  vmHwm: number | undefined;
  startupMs: number;
  setupSeconds: number;
  exit: { code: number | null; signal: NodeJS.Signals | null; ms: number };
  nodeVersion: string;
  postgresVersion?: string | undefined;
  logProblems: string[];
  loadBefore: string;
  /** Whether the planner had statistics on the heartbeat tables (a fresh database has none). */
  statistics: string;
}

/** Drives the load with the generator chosen. */
function drive(generator: LoadGenerator, url: string, fleet: Credentials[], connections: number, seconds: number, targetPid: number): Promise<LoadResult> {
  return generator === 'wrk' ? driveWrk(url, fleet, connections, seconds, targetPid) : driveAutocannon(url, fleet, connections, seconds, targetPid);
}

/** wrk, two threads (one per core), each cycling over its own share of the fleet. */
async function driveWrk(url: string, fleet: Credentials[], connections: number, seconds: number, targetPid: number): Promise<LoadResult> {
  const result = await runWrk({ url, path: HEARTBEAT_PATH, fleet, connections, threads: Math.min(2, connections), seconds, watch: { target: targetPid, postgres: 'postgres' } });
  const ok = result.requests - result.non2xx;
  return {
    requests: result.requests,
    ok,
    non2xx: result.non2xx,
    errors: result.connectErrors + result.readErrors + result.writeErrors,
    timeouts: result.timeouts,
    statusCounts: new Map(),
    seconds: result.seconds,
    perSecond: result.perSecond,
    p50: result.p50,
    p99: result.p99,
    max: result.max,
    targetCores: result.cores.target,
    generatorCores: result.generatorCores,
    postgresCores: result.cores.postgres,
    machineCores: result.machineCores,
  };
}

/** Runs autocannon for `seconds`; every connection walks the whole fleet, starting at its own offset. */
async function driveAutocannon(url: string, fleet: Credentials[], connections: number, seconds: number, targetPid: number): Promise<LoadResult> {
  const requests: autocannon.Request[] = fleet.map((system) => ({
    method: 'POST',
    path: HEARTBEAT_PATH,
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${system.systemKey}:${system.secret}`).toString('base64')}`,
    },
    body: '{}',
  }));
  // Connection i sends systems i, i + C, i + 2C, ... in turn: together the connections cycle
  // over the whole fleet, a system is never in flight twice (an appliance has one connection),
  // and each connection builds only its own few request buffers (building all N per connection
  // would stall the event loop at start-up and inflate the first latencies).
  const slices: autocannon.Request[][] = Array.from({ length: connections }, (_, i) =>
    fleet.length >= connections ? requests.filter((_request, j) => j % connections === i) : [requests[i % fleet.length]!],
  );
  let clientIndex = 0;
  const latencies: number[] = [];
  const statusCounts = new Map<number, number>();
  const cpuBefore = cpuSeconds(targetPid);
  const postgresBefore = cpuSecondsOfCommand(['postgres']);
  const machineBefore = machineBusySeconds();
  const ownBefore = process.cpuUsage();
  const wallBefore = performance.now();

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests: slices[0]!,
        setupClient: (client) => client.setRequests(slices[clientIndex++ % connections]!),
      },
      (error: unknown, answer) => (error ? reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error })) : resolve(answer)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statusCounts.set(statusCode, (statusCounts.get(statusCode) ?? 0) + 1);
    });
  });

  const wall = (performance.now() - wallBefore) / 1000;
  const cpuAfter = cpuSeconds(targetPid);
  const postgresAfter = cpuSecondsOfCommand(['postgres']);
  const machineAfter = machineBusySeconds();
  const own = process.cpuUsage(ownBefore);
  latencies.sort((a, b) => a - b);
  const ok = result['2xx'];
  return {
    requests: latencies.length,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    seconds: result.duration,
    perSecond: ok / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    targetCores: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / wall : undefined,
    generatorCores: (own.user + own.system) / 1e6 / wall,
    postgresCores: postgresBefore !== undefined && postgresAfter !== undefined ? (postgresAfter - postgresBefore) / wall : undefined,
    machineCores: machineBefore !== undefined && machineAfter !== undefined ? (machineAfter - machineBefore) / wall : undefined,
  };
}

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
  const { label, loadBefore, scratch, postgresVersion } = target;

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
    startupMs: muster.startupMs,
    setupSeconds,
    exit,
    nodeVersion: muster.health.data.node_version,
    postgresVersion,
    logProblems: logProblems(muster),
    loadBefore,
    statistics,
  };
}

const HEADER = ['db', 'heartbeats/s', 'p50 ms', 'p99 ms', 'bare req/s', 'bare p50 ms', 'bare p99 ms', 'ratio (muster/bare)', 'Muster µs CPU/req', 'PostgreSQL µs CPU/req', 'bare µs CPU/req'];

/** CPU microseconds per answered request, from cores busy and requests per second. */
const microsPerRequest = (cores: number | undefined, load: LoadResult) => (cores === undefined ? undefined : (cores * 1e6) / load.perSecond);

function row(result: DbResult): string[] {
  return [
    DB_LABEL[result.db],
    fmt(result.muster.perSecond),
    fmt(result.muster.p50, 2),
    fmt(result.muster.p99, 2),
    fmt(result.bare.perSecond),
    fmt(result.bare.p50, 2),
    fmt(result.bare.p99, 2),
    fmt(result.muster.perSecond / result.bare.perSecond, 3),
    fmt(microsPerRequest(result.muster.targetCores, result.muster), 1),
    result.db === 'postgres' ? fmt(microsPerRequest(result.muster.postgresCores, result.muster), 1) : '—',
    fmt(microsPerRequest(result.bare.targetCores, result.bare), 1),
  ];
}

function statuses(load: LoadResult): string {
  const parts = [...load.statusCounts].sort(([a], [b]) => a - b).map(([code, count]) => `${fmt(count)}× ${code}`);
  return `${parts.join(', ') || 'none'}; non-2xx ${fmt(load.non2xx)}, connection errors ${fmt(load.errors)}, timeouts ${fmt(load.timeouts)}`;
}

function details(result: DbResult, options: HeartbeatOptions): string[] {
  const lines = [
    `Muster responses: ${statuses(result.muster)}; max latency ${fmt(result.muster.max, 1)} ms.`,
    `Bare responses: ${statuses(result.bare)}; max latency ${fmt(result.bare.max, 1)} ms.`,
    `Heartbeats acknowledged by Muster's counter in the window: ${fmt(result.acceptedWindow)} (${options.generator} counted ${fmt(result.muster.ok)} 2xx; the difference is requests in flight when it stopped, at most one per connection)` +
      (Object.keys(result.rejected).length ? `; rejected: ${JSON.stringify(result.rejected)}.` : '; none rejected.'),
    `Mean heartbeat batch (muster_heartbeat_batch_size_sum / _count): ${fmt(result.batchMeanWindow, 1)} over the measured window ` +
      `(${fmt(result.batchesWindow)} batches), ${fmt(result.batchMeanTotal, 1)} since start (warm-up included); ` +
      `each written and committed in ${fmt(result.writeMsMean, 2)} ms on average (muster_heartbeat_write_seconds).`,
    `Systems active afterwards (muster_systems{status="active"}): ${fmt(result.activeSystems)} of ${fmt(options.systems)}.`,
    `Planner statistics: a fresh database; ${result.statistics}.`,
    `Muster peak RSS: ${mib(result.peakRss)} (process_resident_memory_bytes, ${result.rssSamples} samples every 500 ms during warm-up and run` +
      `${result.rssFailures ? `, ${result.rssFailures} failed scrapes` : ''}); kernel VmHWM ${mib(result.vmHwm)}.`,
    `CPU during the measured windows, in cores busy: Muster ${fmt(result.muster.targetCores, 2)}, ${options.generator} ${fmt(result.muster.generatorCores, 2)}, ` +
      `${result.db === 'postgres' ? `PostgreSQL ${fmt(result.muster.postgresCores, 2)} (every postgres process of the machine), ` : ''}whole machine ${fmt(result.muster.machineCores, 2)}; ` +
      `bare server ${fmt(result.bare.targetCores, 2)}, ${options.generator} ${fmt(result.bare.generatorCores, 2)}, whole machine ${fmt(result.bare.machineCores, 2)}. ` +
      `Load average before the run: ${result.loadBefore}.`,
    `Set-up: Muster healthy ${fmt(result.startupMs)} ms after spawn; ${fmt(options.systems)} systems created and registered through the API in ${fmt(result.setupSeconds, 1)} s (8 at a time).`,
    `SIGTERM: Muster exited with code ${result.exit.code}${result.exit.signal ? ` (signal ${result.exit.signal})` : ''} after ${fmt(result.exit.ms)} ms.`,
  ];
  if (result.logProblems.length) {
    lines.push(`Muster logged ${result.logProblems.length} warning/error lines, first: \`${result.logProblems[0]!.slice(0, 300)}\``);
  }
  return lines;
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

  console.log(`\nHeartbeat benchmark (${fmt(options.systems)} systems, ${options.generator}, ${options.connections} connections, ${options.durationSeconds} s after ${options.warmupSeconds} s warm-up)\n`);
  console.log(markdownTable(HEADER, results.map(row)));
  for (const result of results) {
    console.log(`\n${DB_LABEL[result.db]}:`);
    for (const line of details(result, options)) console.log(`  - ${line}`);
  }
  console.log(`\nWritten to BENCHMARKS.md.`);
}
