/**
 * The monitoring-agent dialect at load (issue 15): many servers post their reports to
 * `POST /monitoring/api/report` (wrk, 256 connections): the seed's own example report unpaced
 * (capacity), then paced at `--rate` reports/s (7,000 by default: latency at a set load, which a
 * closed loop of 256 clients cannot show), then a large one (8 disks, 4 GPUs, 30 containers)
 * unpaced; each 200 means the heartbeat,
 * the samples and the latest report are committed. Beside throughput, the CPU each report costs
 * Muster and PostgreSQL. Then a month of history for 1,000 of the servers is written straight to
 * the tables (a day of 1-minute samples, 30 days of hourly rollups), and the bench times the
 * metrics API's answers for one system's day at 1 minute and 30 days at 1 hour, and reads the
 * bytes stored per report, raw and rolled up.
 */
import { DB_LABEL, type DbKind, progress, sleep } from './lib/basics.ts';
import { admin, defaultOrganizationKey } from './lib/admin.ts';
import { sampleRss, scrapeMetrics } from './lib/metrics.ts';
import { musterRunFacts, postgresSkipped, prepareDatabase, startMusterOn, type BenchDatabase } from './lib/muster-on-database.ts';
import { peakRssFromProc } from './lib/proc-readings.ts';
import type { MusterProcess } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, mib, percentile, writeBenchmarkSection, runPreamble } from './lib/report.ts';
import { openPglite, openPostgres } from './liveness/liveness-fleet.ts';
import { largeReport, reportRequests, SEED_REPORT, storageFacts, writeHistory, type StorageFacts } from './monitoring/monitoring-fleet.ts';
import { runWrk, type WrkResult } from './wrk.ts';

export interface MonitoringOptions {
  dbs: DbKind[];
  servers: number;
  largeServers: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  historySystems: number;
  queries: number;
  /** After the unpaced phases, the seed report again paced (open loop) at this rate, for latency at a set load; none when 0. */
  ratePerSecond: number;
}

interface Phase {
  name: string;
  servers: number;
  samplesPerReport: number;
  bodyBytes: number;
  warmup: WrkResult;
  measured: WrkResult;
  /** Samples the store committed in the measured window, ÷ samples per report. */
  storedReports: number;
}

interface QueryTiming {
  name: string;
  points: number;
  resolution: string;
  p50: number;
  p99: number;
  max: number;
}

interface DbResult {
  db: DbKind;
  phases: Phase[];
  queries: QueryTiming[];
  storage: StorageFacts;
  history: { raw: number; hourly: number; seconds: number };
  systems: number;
  peakRss: number;
  vmHwm: number | undefined;
  facts: ReturnType<typeof musterRunFacts>;
}

const serverCount = async (muster: MusterProcess) => ((await admin(muster, 'GET', '/api/v1/systems?type=server&page_size=1')) as { total: number }).total;
const samplesStored = async (muster: MusterProcess) => (await scrapeMetrics(muster.url)).samples.get('muster_metric_samples_stored_total') ?? 0;

async function drive(
  muster: MusterProcess,
  options: MonitoringOptions,
  name: string,
  report: Record<string, unknown>,
  prefix: string,
  servers: number,
  key: string,
  created: number,
  ratePerSecond?: number,
): Promise<Phase> {
  const requests = reportRequests(report, prefix, servers, key);
  const wrk = (seconds: number, rate?: number) =>
    runWrk({
      url: muster.url,
      requests,
      connections: options.connections,
      threads: 2,
      seconds,
      ratePerSecond: rate,
      watch: { muster: muster.pid, postgres: 'postgres' },
    });
  // Warm-up until every server has its system (creation is a first report's cost), at most 10 rounds.
  let warmup = await wrk(options.warmupSeconds, ratePerSecond);
  for (let round = 1; (await serverCount(muster)) < created + servers && round < 10; round++) warmup = await wrk(options.warmupSeconds, ratePerSecond);
  await sleep(1_000);
  const before = await samplesStored(muster);
  progress(`${name}: measuring ${options.durationSeconds} s${ratePerSecond ? ` at ${fmt(ratePerSecond)} reports/s offered` : ''}`);
  const measured = await wrk(options.durationSeconds, ratePerSecond);
  await sleep(1_000);
  const samplesPerReport =
    1 + 4 + 3 + (report.disks as unknown[]).length * 3 + (report.gpus as unknown[]).length * 3 + (report.containers as unknown[]).length * 2;
  return {
    name,
    servers,
    samplesPerReport,
    bodyBytes: Buffer.byteLength(JSON.stringify({ ...report, server_alias: `${prefix}-1000` })),
    warmup,
    measured,
    storedReports: ((await samplesStored(muster)) - before) / samplesPerReport,
  };
}

async function timeQueries(muster: MusterProcess, systemIds: string[], count: number): Promise<QueryTiming[]> {
  const now = Date.now();
  const kinds = [
    { name: "one system's CPU, a day at 1 min", from: now - 86_400_000, step: 60 },
    { name: "one system's CPU, 30 days at 1 h", from: now - 30 * 86_400_000, step: 3600 },
  ];
  const timings: QueryTiming[] = [];
  for (const kind of kinds) {
    const durations: number[] = [];
    let points = 0;
    let resolution = '';
    for (let i = 0; i < count + 10; i++) {
      const id = systemIds[(i * 7919) % systemIds.length]!;
      const url = `/api/v1/systems/${id}/metrics?name=cpu.percent&from=${new Date(kind.from).toISOString()}&to=${new Date(now).toISOString()}&step=${kind.step}`;
      const started = performance.now();
      const answer = (await admin(muster, 'GET', url)) as { resolution: string; series: { points: unknown[] }[] };
      const took = performance.now() - started;
      // The first ten warm the caches (and the statements' plans).
      if (i >= 10) durations.push(took);
      points = answer.series[0]?.points.length ?? 0;
      resolution = answer.resolution;
    }
    durations.sort((a, b) => a - b);
    timings.push({ name: kind.name, points, resolution, p50: percentile(durations, 50), p99: percentile(durations, 99), max: durations.at(-1)! });
  }
  return timings;
}

async function withRunner<T>(target: BenchDatabase, work: (runner: Awaited<ReturnType<typeof openPostgres>>) => Promise<T>): Promise<T> {
  const runner = target.scratch ? await openPostgres(target.scratch.url) : await openPglite(target.dataDir);
  try {
    return await work(runner);
  } finally {
    await runner.close();
  }
}

async function benchDb(db: DbKind, options: MonitoringOptions): Promise<DbResult> {
  const target = await prepareDatabase(db, 'muster-bench-monitoring-');
  const env = { LOG_LEVEL: 'warn' };
  let muster = await startMusterOn(target, { env });
  const setupStarted = performance.now();
  const { key } = await defaultOrganizationKey(muster, 'bench agents', ['monitoring:write']);
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const rss = sampleRss(muster.url, 500);
  const label = DB_LABEL[db];
  progress(`${label}: ${fmt(options.servers)} servers with the seed's report; warm-up ${options.warmupSeconds} s`);
  const seed = await drive(muster, options, `${label}, seed report`, SEED_REPORT, 'seed', options.servers, key, 0);
  const paced: Phase[] = [];
  if (options.ratePerSecond > 0) {
    progress(`${label}: the seed report's servers again, at ${fmt(options.ratePerSecond)} reports/s offered`);
    const name = `${label}, seed report at ${fmt(options.ratePerSecond)}/s offered`;
    paced.push(await drive(muster, options, name, SEED_REPORT, 'seed', options.servers, key, 0, options.ratePerSecond));
  }
  progress(`${label}: ${fmt(options.largeServers)} servers with the large report`);
  const large = await drive(muster, options, `${label}, large report`, largeReport(), 'large', options.largeServers, key, options.servers);
  const systems = await serverCount(muster);
  const peak = await rss.stop();
  const vmHwm = peakRssFromProc(muster.pid);

  // The history goes in with Muster stopped on PGlite (one process holds its files), running on PostgreSQL.
  const firstExit = db === 'pglite' ? await muster.stop() : undefined;
  progress(`${label}: writing a month of history for ${fmt(options.historySystems)} systems`);
  const historyStarted = performance.now();
  const { history, storage } = await withRunner(target, async (runner) => {
    const written = await writeHistory(runner, options.historySystems, new Date());
    return { history: written, storage: await storageFacts(runner) };
  });
  const historySeconds = (performance.now() - historyStarted) / 1000;
  if (db === 'pglite') muster = await startMusterOn(target, { env });
  progress(`${label}: timing ${options.queries} queries of each kind`);
  const queries = await timeQueries(muster, history.systemIds, options.queries);
  const exit = await muster.stop();
  await target.scratch?.drop();
  return {
    db,
    phases: [seed, ...paced, large],
    queries,
    storage,
    history: { raw: history.raw, hourly: history.hourly, seconds: historySeconds },
    systems,
    peakRss: peak.peak,
    vmHwm,
    facts: musterRunFacts(target, muster, firstExit ?? exit, setupSeconds),
  };
}

const errorsOf = (result: WrkResult) => result.non2xx + result.connectErrors + result.readErrors + result.writeErrors + result.timeouts;
const perReportUs = (result: WrkResult, name: string) => {
  const cpu = result.cpuSeconds[name];
  return cpu === undefined || result.requests === 0 ? undefined : (cpu / result.requests) * 1e6;
};

const HEADER = [
  'Report',
  'Servers',
  'Body bytes',
  'Samples',
  'Reports/s answered 200',
  'Stored/s',
  'Errors',
  'p50 ms',
  'p99 ms',
  'µs CPU/report Muster',
  'µs CPU/report PostgreSQL',
];

function rows(result: DbResult): string[][] {
  return result.phases.map((phase) => {
    const m = phase.measured;
    return [
      phase.name.split(', ')[1]!,
      fmt(phase.servers),
      fmt(phase.bodyBytes),
      fmt(phase.samplesPerReport),
      fmt(m.perSecond),
      fmt(phase.storedReports / m.seconds),
      fmt(errorsOf(m)),
      fmt(m.p50, 1),
      fmt(m.p99, 1),
      fmt(perReportUs(m, 'muster'), 1),
      result.db === 'postgres' ? fmt(perReportUs(m, 'postgres'), 1) : '–',
    ];
  });
}

const QUERY_HEADER = ['Query (1,000 systems’ history)', 'Points', 'Answered from', 'p50 ms', 'p99 ms', 'max ms'];
const queryRows = (result: DbResult) => result.queries.map((q) => [q.name, fmt(q.points), q.resolution, fmt(q.p50, 1), fmt(q.p99, 1), fmt(q.max, 1)]);

function details(result: DbResult, options: MonitoringOptions): string[] {
  const s = result.storage;
  const seedRow = s.rowsByWidth.find((row) => row.values === 16);
  const largeRow = s.rowsByWidth.find((row) => row.values !== 16);
  return [
    ...result.phases.map(
      (phase) =>
        `${phase.name}: warm-up ${fmt(phase.warmup.perSecond)} reports/s (${fmt(errorsOf(phase.warmup))} errors, p99 ${fmt(phase.warmup.p99, 1)} ms); measured ${fmt(phase.measured.requests)} reports in ${fmt(phase.measured.seconds, 1)} s, ` +
        `${fmt(phase.storedReports)} reports' samples committed in the window; Muster ${fmt(phase.measured.cores.muster, 2)} cores${result.db === 'postgres' ? `, PostgreSQL ${fmt(phase.measured.cores.postgres, 2)} cores` : ''}, wrk ${fmt(phase.measured.generatorCores, 2)}, machine ${fmt(phase.measured.machineCores, 2)} of 2; max ${fmt(phase.measured.max, 1)} ms.`,
    ),
    `Stored per report, raw: the seed's report (16 samples) is a ${fmt(seedRow?.rowBytes, 0)}-byte row plus ${fmt(s.indexBytesPerRow, 0)} bytes of index; the large one (${largeRow?.values ?? '?'} samples) ${fmt(largeRow?.rowBytes, 0)} bytes plus the same index entry. ` +
      `Rolled up, one bucket row of the seed's layout is ${fmt(s.hourlyRowBytes, 0)} bytes: ${fmt(s.hourlyRowBytes / 5, 0)} bytes per report at 5 minutes and ${fmt(s.hourlyRowBytes / 60, 1)} at 1 hour (one report a minute). ` +
      `The latest report kept per server for the views: ${fmt(s.latestReportBytes.seed, 0)} bytes (seed), ${fmt(s.latestReportBytes.large, 0)} bytes (large).`,
    `History: ${fmt(result.history.raw)} raw rows and ${fmt(result.history.hourly)} hourly rollup rows for ${fmt(options.historySystems)} systems written in ${fmt(result.history.seconds, 1)} s (straight to the tables); ${options.queries} queries of each kind after 10 to warm up, one at a time from the bench process.`,
    `Muster: ${fmt(result.systems)} server systems; RSS peak ${mib(result.peakRss)} (sampled every 0.5 s), VmHWM ${mib(result.vmHwm)}; started in ${fmt(result.facts.startupMs)} ms; exit code ${result.facts.exit.code}; log lines at warn or above: ${result.facts.logProblems.length}${result.facts.logProblems.length ? ` (${result.facts.logProblems.map((line) => line.slice(0, 300)).join(' · ')})` : ''}.`,
  ];
}

export async function runMonitoringBench(options: MonitoringOptions): Promise<void> {
  const results: DbResult[] = [];
  for (const db of options.dbs) {
    if (await postgresSkipped(db, 'Monitoring')) continue;
    const machine = machineInfo();
    const result = await benchDb(db, options);
    results.push(result);
    const parameters =
      `${fmt(options.servers)} servers posting the seed's example report and ${fmt(options.largeServers)} a large one (8 disks, 4 GPUs, 30 containers), each under its own alias with one monitoring:write key; ` +
      `wrk over ${options.connections} connections and 2 threads, unpaced (closed loop: the answered rate is the capacity, and latency is the queue of ${options.connections} clients), ${options.ratePerSecond ? `the seed report's servers then again paced (open loop) at ${fmt(options.ratePerSecond)} reports/s offered (latency at that load), ` : ''}warm-up ${options.warmupSeconds} s (until every server exists), ${options.durationSeconds} s measured per phase; Muster defaults, LOG_LEVEL=warn.`;
    const body = [
      `## Monitoring-agent dialect and metrics store — ${DB_LABEL[db]}`,
      '',
      ...runPreamble(machine, result.facts),
      `- Parameters: ${parameters}`,
      '',
      markdownTable(HEADER, rows(result)),
      '',
      markdownTable(QUERY_HEADER, queryRows(result)),
      '',
      ...details(result, options).map((line) => `- ${line}`),
    ].join('\n');
    await writeBenchmarkSection('monitoring', db, body);
  }
  for (const result of results) {
    console.log(`\nMonitoring — ${DB_LABEL[result.db]}\n`);
    console.log(markdownTable(HEADER, rows(result)));
    console.log(markdownTable(QUERY_HEADER, queryRows(result)));
    for (const line of details(result, options)) console.log(`  - ${line}`);
  }
  if (results.length) console.log('\nWritten to BENCHMARKS.md.');
}
