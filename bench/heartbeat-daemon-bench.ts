/**
 * The heartbeat-daemon dialect at scale (issue 14): N compute nodes beat through
 * `POST /hmi/v1/heartbeat` with the daemon's JSON body, each on its own 3-second schedule (wrk,
 * paced: every connection waits between requests so that the whole sends N ÷ 3 beats a second,
 * each thread cycling over its share of the components). After a warm-up in which every
 * component is created, a measured window; then one component in `stopEvery` stops while the
 * others go on, and the bench checks that each warning and each death was recorded within a
 * second of its threshold (Warntime 10 s, Errtime 30 s) and that the state manager (a fake one
 * here, recording every call) got exactly those components, once each, per category.
 */
import { machineInfo, markdownTable, writeBenchmarkSection, fmt, mib, percentile, runPreamble } from './lib/report.ts';
import { DB_LABEL, type DbKind, progress, sleep } from './lib/basics.ts';
import { admin, defaultOrganizationKey } from './lib/admin.ts';
import { sampleRss } from './lib/metrics.ts';
import { musterRunFacts, postgresSkipped, prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import { peakRssFromProc } from './lib/proc-readings.ts';
import type { MusterProcess } from './lib/processes.ts';
import { runWrk, type WrkResult } from './wrk.ts';
import { heartbeatRequests, startStateManager, stops, xnameOf, type StateManagerCall } from './heartbeat-daemon/hmi-fleet.ts';

export interface HeartbeatDaemonOptions {
  dbs: DbKind[];
  /** Components per database (default 50,000 on PostgreSQL, 20,000 on PGlite). */
  components: Partial<Record<DbKind, number>>;
  /** Seconds between two beats of one component. */
  periodSeconds: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** One component in this many stops. */
  stopEvery: number;
}

const WARNTIME = 10;
const ERRTIME = 30;
export const DEFAULT_COMPONENTS: Record<DbKind, number> = { postgres: 50_000, pglite: 20_000 };

interface Detection {
  /** Seconds from threshold to recorded, per stopped component, for the warning and the death. */
  warningLag: number[];
  deadLag: number[];
  missing: { warning: number; dead: number };
  /** Seconds from threshold to the state manager's receipt of the call naming the component. */
  warningDelivery: number[];
  deadDelivery: number[];
  calls: Record<string, number>;
  /** Components named in the category's calls beyond the stopped ones, and repeated ones. */
  unexpected: { warning: number; dead: number };
  repeated: { warning: number; dead: number };
  /** Stopped components no call of the category named. */
  notNamed: { warning: number; dead: number };
  /** Liveness scans that recorded the stopped components' transitions of the category (distinct recorded_at). */
  scans: { warning: number; dead: number };
}

interface DbResult {
  db: DbKind;
  components: number;
  rate: number;
  warmup: WrkResult;
  measured: WrkResult;
  stopPhase: WrkResult;
  created: number;
  detection: Detection;
  peakRss: number;
  vmHwm: number | undefined;
  facts: ReturnType<typeof musterRunFacts>;
}

/** How many node systems there are. */
async function nodeSystemCount(muster: MusterProcess): Promise<number> {
  return ((await admin(muster, 'GET', '/api/v1/systems?type=node&page_size=1')) as { total: number }).total;
}

/** Every node system's id, by name (its xname). */
async function nodeSystems(muster: MusterProcess): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let page = 1; ; page++) {
    const answer = (await admin(muster, 'GET', `/api/v1/systems?type=node&page_size=500&page=${page}`)) as { items: { id: string; name: string }[] };
    for (const item of answer.items) ids.set(item.name, item.id);
    if (answer.items.length < 500) return ids;
  }
}

async function detection(muster: MusterProcess, stopped: string[], ids: Map<string, string>, calls: StateManagerCall[], since: number): Promise<Detection> {
  const thresholds = new Map<string, { warning?: number; dead?: number }>();
  const result: Detection = {
    warningLag: [],
    deadLag: [],
    missing: { warning: 0, dead: 0 },
    warningDelivery: [],
    deadDelivery: [],
    calls: {},
    unexpected: { warning: 0, dead: 0 },
    repeated: { warning: 0, dead: 0 },
    notNamed: { warning: 0, dead: 0 },
    scans: { warning: 0, dead: 0 },
  };
  const scans = { warning: new Set<string>(), dead: new Set<string>() };
  let next = 0;
  const worker = async () => {
    for (;;) {
      const xname = stopped[next++];
      if (xname === undefined) return;
      if (!ids.has(xname)) {
        result.missing.warning++;
        result.missing.dead++;
        continue;
      }
      const events = (await admin(muster, 'GET', `/api/v1/systems/${ids.get(xname)}/events?page_size=20&order=desc`)) as {
        items: { to: string; occurred_at: string; recorded_at: string }[];
      };
      const seen: { warning?: number; dead?: number } = {};
      for (const event of events.items) {
        const occurred = Date.parse(event.occurred_at);
        if (occurred < since) continue;
        const lag = (Date.parse(event.recorded_at) - occurred) / 1000;
        if (event.to === 'warning') {
          scans.warning.add(event.recorded_at);
          result.warningLag.push(lag);
          seen.warning = occurred;
        }
        if (event.to === 'inactive') {
          scans.dead.add(event.recorded_at);
          result.deadLag.push(lag);
          seen.dead = occurred;
        }
      }
      if (seen.warning === undefined) result.missing.warning++;
      if (seen.dead === undefined) result.missing.dead++;
      thresholds.set(xname, seen);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  result.scans = { warning: scans.warning.size, dead: scans.dead.size };

  const stoppedSet = new Set(stopped);
  for (const [category, state] of [
    ['warning', 'Ready/Warning'],
    ['dead', 'Standby/Alert'],
  ] as const) {
    const named = new Map<string, number>();
    const ofCategory = calls.filter((call) => `${call.body.State}/${call.body.Flag}` === state && call.at >= since);
    result.calls[category] = ofCategory.length;
    for (const call of ofCategory) {
      for (const xname of call.body.ComponentIDs) {
        if (!stoppedSet.has(xname)) result.unexpected[category]++;
        if (named.has(xname)) result.repeated[category]++;
        named.set(xname, call.at);
        const threshold = thresholds.get(xname)?.[category];
        if (threshold !== undefined) (category === 'warning' ? result.warningDelivery : result.deadDelivery).push((call.at - threshold) / 1000);
      }
    }
    result.notNamed[category] = stopped.filter((xname) => !named.has(xname)).length;
  }
  for (const call of calls) result.calls[call.body.ExtendedInfo.Message] = (result.calls[call.body.ExtendedInfo.Message] ?? 0) + 1;
  return result;
}

async function benchDb(db: DbKind, options: HeartbeatDaemonOptions): Promise<DbResult> {
  const components = options.components[db] ?? DEFAULT_COMPONENTS[db];
  const rate = components / options.periodSeconds;
  const target = await prepareDatabase(db, 'muster-bench-hmi-');
  const manager = await startStateManager();
  const muster = await startMusterOn(target);
  const setupStarted = performance.now();
  const { organization, key } = await defaultOrganizationKey(muster, 'bench hbtd', ['heartbeat-daemon']);
  await admin(muster, 'PATCH', `/api/v1/organizations/${organization}/heartbeat-daemon/params`, {
    Warntime: String(WARNTIME),
    Errtime: String(ERRTIME),
    Sm_url: manager.url,
  });
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const watch = { muster: muster.pid, postgres: 'postgres' };
  const all = heartbeatRequests(components, key, options.stopEvery, false);
  const wrk = (requests: typeof all, seconds: number) =>
    runWrk({ url: muster.url, requests, ratePerSecond: rate, connections: options.connections, threads: 2, seconds, watch });

  progress(`${DB_LABEL[db]}: ${fmt(components)} components at ${fmt(rate)} beats/s; warm-up ${options.warmupSeconds} s (every component created)`);
  const rss = sampleRss(muster.url, 500);
  // Warm-up rounds until every component has its system (creation is the first heartbeat's cost), at most 12.
  let warmup = await wrk(all, options.warmupSeconds);
  let created = await nodeSystemCount(muster);
  for (let round = 1; created < components && round < 12; round++) {
    progress(`${DB_LABEL[db]}: ${fmt(created)} of ${fmt(components)} created; warming up again`);
    warmup = await wrk(all, options.warmupSeconds);
    created = await nodeSystemCount(muster);
  }
  progress(`${DB_LABEL[db]}: ${fmt(created)} node systems; measuring ${options.durationSeconds} s`);
  const measured = await wrk(all, options.durationSeconds);
  const stopPhaseSeconds = ERRTIME + options.periodSeconds + 7;
  progress(`${DB_LABEL[db]}: one component in ${options.stopEvery} stops; the others beat on for ${stopPhaseSeconds} s`);
  const stopStarted = Date.now() - options.periodSeconds * 1000 - 1000;
  const stopPhase = await wrk(heartbeatRequests(components, key, options.stopEvery, true), stopPhaseSeconds);
  await sleep(3_000);
  // What the state manager got by now: from here on no component beats, so every one would
  // warn and die while the bench reads the results.
  const calls = [...manager.calls];
  const rssPeak = await rss.stop();
  const vmHwm = peakRssFromProc(muster.pid);
  const stopped = Array.from({ length: components }, (_, index) => index)
    .filter((index) => stops(index, options.stopEvery))
    .map(xnameOf);
  const ids = await nodeSystems(muster);
  const found = await detection(muster, stopped, ids, calls, stopStarted);
  const exit = await muster.stop();
  await manager.close();
  await target.scratch?.drop();
  return {
    db,
    components,
    rate,
    warmup,
    measured,
    stopPhase,
    created,
    detection: found,
    peakRss: rssPeak.peak,
    vmHwm,
    facts: musterRunFacts(target, muster, exit, setupSeconds),
  };
}

const errorsOf = (result: WrkResult) => result.non2xx + result.connectErrors + result.readErrors + result.writeErrors + result.timeouts;
const perBeatUs = (result: WrkResult, name: string) => {
  const cpu = result.cpuSeconds[name];
  return cpu === undefined || result.requests === 0 ? undefined : (cpu / result.requests) * 1e6;
};
const maxOf = (values: number[]) => (values.length ? Math.max(...values) : NaN);
const p = (values: number[], q: number) =>
  values.length
    ? percentile(
        [...values].sort((a, b) => a - b),
        q,
      )
    : NaN;

const HEADER = [
  'Components',
  'Offered beats/s',
  'Answered beats/s',
  'Errors',
  'p50 ms',
  'p99 ms',
  'µs CPU/beat Muster',
  'µs CPU/beat PostgreSQL',
  'Muster RSS peak',
];

function row(result: DbResult): string[] {
  const m = result.measured;
  return [
    fmt(result.components),
    fmt(result.rate),
    fmt(m.perSecond),
    fmt(errorsOf(m)),
    fmt(m.p50, 1),
    fmt(m.p99, 1),
    fmt(perBeatUs(m, 'muster'), 1),
    result.db === 'postgres' ? fmt(perBeatUs(m, 'postgres'), 1) : '–',
    mib(result.peakRss),
  ];
}

function details(result: DbResult, options: HeartbeatDaemonOptions): string[] {
  const d = result.detection;
  const stopped = Math.ceil(result.components / options.stopEvery);
  return [
    `Warm-up (${options.warmupSeconds} s): ${fmt(result.warmup.perSecond)} beats/s answered, ${fmt(errorsOf(result.warmup))} errors, p99 ${fmt(result.warmup.p99, 1)} ms; ${fmt(result.created)} node systems created by their first heartbeat.`,
    `Measured window: ${fmt(result.measured.requests)} heartbeats in ${fmt(result.measured.seconds, 1)} s; wrk's p50/p99/max ${fmt(result.measured.p50, 1)}/${fmt(result.measured.p99, 1)}/${fmt(result.measured.max, 1)} ms; Muster ${fmt(result.measured.cores.muster, 2)} cores` +
      `${result.db === 'postgres' ? `, PostgreSQL ${fmt(result.measured.cores.postgres, 2)} cores` : ''}, wrk ${fmt(result.measured.generatorCores, 2)}, machine ${fmt(result.measured.machineCores, 2)} of 2.`,
    `Stop phase: ${fmt(stopped)} components stopped while ${fmt(result.components - stopped)} beat on (${fmt(result.stopPhase.perSecond)} beats/s answered, ${fmt(errorsOf(result.stopPhase))} errors, p99 ${fmt(result.stopPhase.p99, 1)} ms).`,
    `Warnings recorded ${fmt(d.warningLag.length)} of ${fmt(stopped)}, threshold → recorded p50 ${fmt(p(d.warningLag, 50), 2)} s, max ${fmt(maxOf(d.warningLag), 2)} s; deaths ${fmt(d.deadLag.length)} of ${fmt(stopped)}, p50 ${fmt(p(d.deadLag, 50), 2)} s, max ${fmt(maxOf(d.deadLag), 2)} s (goal ≤ 1 s).`,
    `State manager: ${fmt(d.calls.warning)} warning calls (one per relay round) for the ${fmt(d.scans.warning)} scanner transactions that recorded warnings, ${fmt(d.calls.dead)} death calls for ${fmt(d.scans.dead)}; ${fmt(d.calls.warning)} warning calls naming ${fmt(d.warningDelivery.length)} components (threshold → received p50 ${fmt(p(d.warningDelivery, 50), 2)} s, max ${fmt(maxOf(d.warningDelivery), 2)} s), ` +
      `${fmt(d.calls.dead)} death calls naming ${fmt(d.deadDelivery.length)} (p50 ${fmt(p(d.deadDelivery, 50), 2)} s, max ${fmt(maxOf(d.deadDelivery), 2)} s); stopped components never named ${d.notNamed.warning + d.notNamed.dead}, others named ${d.unexpected.warning + d.unexpected.dead}, named twice ${d.repeated.warning + d.repeated.dead}. ` +
      `All calls by message: ${Object.entries(d.calls)
        .filter(([name]) => name.startsWith('Heartbeat'))
        .map(([name, count]) => `${name} ${count}`)
        .join(', ')}.`,
    `Muster memory: RSS peak ${mib(result.peakRss)} (sampled every 0.5 s), VmHWM ${mib(result.vmHwm)}; started in ${fmt(result.facts.startupMs)} ms; exit code ${result.facts.exit.code}; log lines at warn or above: ${result.facts.logProblems.length}${result.facts.logProblems.length ? ` (${result.facts.logProblems.map((line) => line.slice(0, 300)).join(' · ')})` : ''}.`,
  ];
}

export async function runHeartbeatDaemonBench(options: HeartbeatDaemonOptions): Promise<void> {
  const results: DbResult[] = [];
  for (const db of options.dbs) {
    if (await postgresSkipped(db, 'Heartbeat-daemon')) continue;
    const machine = machineInfo();
    const result = await benchDb(db, options);
    results.push(result);
    const parameters =
      `${fmt(result.components)} components each beating every ${options.periodSeconds} s (POST /hmi/v1/heartbeat, the daemon's JSON body, one heartbeat-daemon API key), ` +
      `wrk paced to ${fmt(result.rate)} requests/s over ${options.connections} connections and 2 threads; ${options.warmupSeconds} s warm-up, ${options.durationSeconds} s measured; ` +
      `then 1 in ${options.stopEvery} stops, Warntime ${WARNTIME} s, Errtime ${ERRTIME} s, LIVENESS_SCAN_INTERVAL_MS 500, a fake state manager on loopback; Muster defaults, LOG_LEVEL=warn.`;
    const body = [
      `## Heartbeat-daemon dialect — ${DB_LABEL[db]}`,
      '',
      ...runPreamble(machine, result.facts),
      `- Parameters: ${parameters}`,
      '',
      markdownTable(HEADER, [row(result)]),
      '',
      ...details(result, options).map((line) => `- ${line}`),
    ].join('\n');
    await writeBenchmarkSection('heartbeat-daemon', db, body);
  }
  for (const result of results) {
    console.log(`\nHeartbeat-daemon dialect — ${DB_LABEL[result.db]}\n`);
    console.log(markdownTable(HEADER, [row(result)]));
    for (const line of details(result, options)) console.log(`  - ${line}`);
  }
  if (results.length) console.log('\nWritten to BENCHMARKS.md.');
}
