/**
 * Inventory throughput: Muster (a child process, on PGlite or a scratch PostgreSQL database)
 * takes POST /api/systems/inventory from N registered systems, each request carrying the next
 * round of one system's ~16 KB inventory (bench/inventory-fixtures, pre-generated and
 * serialized before the load), driven by autocannon from this process. Measures:
 *
 * - ingest: 202s per second and latency while the load runs;
 * - processing, end to end: from the start of the load until every accepted inventory has
 *   been processed by the background job (a record stored and diffed against the previous
 *   one): SQL on PostgreSQL, the management API on PGlite (its database cannot be opened by a
 *   second process);
 * - the diff engine in this process: diffInventories + classifyChange (default rules) per pair
 *   of consecutive generated rounds, per flavour.
 */
import { musterRunFacts, postgresSkipped, prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import { DB_LABEL, type DbKind, progress } from './lib/basics.ts';
import { createFleet } from './lib/fleet.ts';
import { sampleRss, scrapeMetrics } from './lib/metrics.ts';
import { peakRssFromProc } from './lib/proc-readings.ts';
import { fmt, machineInfo, markdownTable, mib, codeChangedWarning, writeBenchmarkSection } from './lib/report.ts';
import { DIFF_BATCHES, DIFF_PAIRS, measureDiff } from './inventory/diff-measurement.ts';
import { type DbResult, details, DIFF_HEADER, diffDetails, diffRow, goals, HEADER, row } from './inventory/inventory-report.ts';
import { flavourOf, GENEROUS_RATE, INVENTORY_PATH, type InventoryOptions, QUEUE, SYSTEM_TYPE } from './inventory/inventory-settings.ts';
import { accepted202, type Bodies, drive, generateBodies } from './inventory/inventory-traffic.ts';
import { apiWatcher, getJson, postgresWatcher, waitForDrain } from './inventory/processing-watch.ts';

async function benchDb(db: DbKind, options: InventoryOptions, data: Bodies): Promise<DbResult> {
  const target = await prepareDatabase(db, 'muster-bench-inventory-');
  const { label, scratch } = target;

  const muster = await startMusterOn(target);
  progress(`${label}: Muster pid ${muster.pid} healthy after ${fmt(muster.startupMs)} ms; creating and registering ${fmt(options.systems)} systems`);
  const setupStarted = performance.now();
  const fleet = await createFleet(muster, options.systems, (index) => ({ name: `bench-inventory-${index}`, type: SYSTEM_TYPE[flavourOf(index)] }));
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  /** Inventories sent so far by each system: the next one is the following round. */
  const posts = new Int32Array(fleet.length);
  const lastAccepted = new Array<number | undefined>(fleet.length).fill(undefined);
  const connections = Math.min(options.connections, options.systems);
  const watcher = scratch ? await postgresWatcher(scratch.url) : apiWatcher(muster, fleet, lastAccepted);
  const pollMs = scratch ? 100 : 250;
  const countBefore = accepted202((await scrapeMetrics(muster.url)).samples);

  // One load: the warm-up (every system's first inventory, then its next rounds) runs straight
  // into the measured run. Ingest is reported for the measured run; processing for the whole
  // load, since the warm-up's inventories are processed along with the run's.
  const rss = sampleRss(muster.url, 500);
  progress(`${label}: warm-up ${options.warmupSeconds} s then ${options.durationSeconds} s measured, ${connections} connections`);
  const load = await drive(muster.url, fleet, data, posts, lastAccepted, connections, options.warmupSeconds, options.durationSeconds, muster.pid);
  // Every inventory sent was answered (see drive()), so this counts exactly the inventories stored.
  const afterLoad = (await scrapeMetrics(muster.url)).samples;
  const acceptedExact = accepted202(afterLoad) - countBefore;
  const ingestBatches = {
    count: afterLoad.get('muster_inventory_batch_size_count') ?? 0,
    inventories: afterLoad.get('muster_inventory_batch_size_sum') ?? 0,
    seconds: afterLoad.get('muster_inventory_write_seconds_sum') ?? 0,
  };
  progress(
    `${label}: ${fmt(load.run.acceptedPerSecond)} accepted/s (p99 ${fmt(load.run.p99, 1)} ms), ${fmt(acceptedExact)} accepted in all; ` +
      `waiting for them to be processed (at most ${fmt(options.drainTimeoutSeconds)} s)`,
  );
  const drain = await waitForDrain(watcher, muster.pid, load.startedAt, () => acceptedExact, options.drainTimeoutSeconds * 1000, pollMs, label);
  const rssPeak = await rss.stop();
  const vmHwm = peakRssFromProc(muster.pid);
  progress(
    drain.drainedMs !== undefined
      ? `${label}: every accepted inventory processed ${fmt(drain.drainedMs / 1000, 1)} s after the load started; ` +
          `job queue ${drain.queueEmptyMs === undefined ? `still held ${fmt(drain.last.jobs.queued)} jobs at ${fmt(drain.lastMs / 1000, 1)} s` : `empty at ${fmt(drain.queueEmptyMs / 1000, 1)} s`}`
      : `${label}: ${drain.gaveUp}`,
  );
  const totals = await watcher.totals();
  const reportedJobs = (await getJson<{ queues: { name: string; queued: number; active: number; dead: number }[] }>(muster, '/api/v1/jobs')).queues.find(
    (queue) => queue.name === QUEUE,
  );
  const trueJobs = watcher.exactJobs ? (await watcher.read()).jobs : undefined;
  const metricsJobs = [...(await scrapeMetrics(muster.url)).samples]
    .filter(([key]) => key.startsWith('muster_jobs{') && key.includes(`queue="${QUEUE}"`))
    .map(([key, value]) => `${/state="(\w+)"/.exec(key)?.[1] ?? key} ${value}`)
    .join(', ');
  await watcher.close();

  const exit = await muster.stop();
  progress(`${label}: Muster stopped (exit code ${exit.code}${exit.signal ? `, signal ${exit.signal}` : ''}) in ${fmt(exit.ms)} ms`);
  if (scratch) await scratch.drop();

  return {
    db,
    connections,
    load,
    acceptedExact,
    ingestBatches,
    loadMs: load.endedAt - load.startedAt,
    drain,
    totals,
    metricsJobs,
    reportedJobs: reportedJobs ? `queued ${fmt(reportedJobs.queued)}, active ${fmt(reportedJobs.active)}, dead ${fmt(reportedJobs.dead)}` : 'absent',
    trueJobs,
    watcherHow: watcher.how,
    roundsReversed: posts.reduce((sum, count) => sum + Math.max(0, count - data.rounds), 0),
    maxPosts: posts.reduce((max, count) => Math.max(max, count), 0),
    peakRss: rssPeak.peak,
    vmHwm,
    ...musterRunFacts(target, muster, exit, setupSeconds),
  };
}

export async function runInventoryBench(options: InventoryOptions): Promise<void> {
  progress(`diff engine: ${DIFF_PAIRS} pairs per flavour, ${DIFF_BATCHES} batches`);
  const diff = measureDiff();
  for (const entry of diff) progress(`diff engine: ${entry.flavour} ${fmt(entry.median, 1)} µs/pair (${fmt(entry.meanChanges, 1)} changes per pair)`);

  const rounds = options.rounds ?? Math.max(2, Math.ceil(((options.warmupSeconds + options.durationSeconds) * GENEROUS_RATE) / options.systems) + 1);
  progress(`generating ${fmt(rounds)} rounds of inventories for each of ${fmt(options.systems)} systems`);
  const data = generateBodies(options.systems, rounds);
  progress(`generated ${fmt(options.systems * rounds)} bodies (${mib(data.meanBytes * options.systems * rounds)}) in ${fmt(data.seconds, 1)} s`);

  const results: DbResult[] = [];
  for (const db of options.dbs) {
    if (await postgresSkipped(db, 'Inventory')) continue;
    const machine = machineInfo();
    const result = await benchDb(db, options, data);
    results.push(result);
    const codeChanged = codeChangedWarning(machine);

    const parameters =
      `${fmt(options.systems)} registered systems (generic, ns8, nsec in turn), ${result.connections} connections, ${options.durationSeconds} s measured after a ` +
      `${options.warmupSeconds} s warm-up, POST ${INVENTORY_PATH} (Content-Type application/json, HTTP Basic per system) each carrying the next round of one ` +
      `system's ~16 KB inventory (bench/inventory-fixtures), a system's posts in round order; drain bound ${fmt(options.drainTimeoutSeconds)} s; ` +
      (process.env.BENCH_MUSTER_ENV?.trim()
        ? `Muster settings changed with BENCH_MUSTER_ENV: \`${process.env.BENCH_MUSTER_ENV.trim()}\`, otherwise defaults, LOG_LEVEL=warn.`
        : `Muster defaults (INVENTORY_JOB_CONCURRENCY=2, DATABASE_POOL_SIZE=10), LOG_LEVEL=warn.`);
    const body = [
      `## Inventory ingest and processing — ${DB_LABEL[db]}`,
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ${machine.platform}; Node ${result.nodeVersion} (Muster child)` +
        `${result.postgresVersion ? `; PostgreSQL ${result.postgresVersion} on the same machine` : ''}`,
      `- Code: git ${machine.git}`,
      ...codeChanged,
      `- Parameters: ${parameters}`,
      '',
      'Goals:',
      '',
      ...goals(result, diff).map((line) => `- ${line}`),
      '',
      markdownTable(HEADER, [row(result)]),
      '',
      ...details(result, options, data).map((line) => `- ${line}`),
      '',
      markdownTable(DIFF_HEADER, diff.map(diffRow)),
      '',
      `- ${diffDetails(diff)}`,
    ].join('\n');
    await writeBenchmarkSection('inventory', db, body);
  }

  console.log(`\nDiff engine (µs per pair of consecutive ~16 KB rounds)\n`);
  console.log(markdownTable(DIFF_HEADER, diff.map(diffRow)));
  console.log(`\n${diffDetails(diff)}`);
  if (results.length === 0) return;
  console.log(
    `\nInventory benchmark (${fmt(options.systems)} systems, ${options.connections} connections, ${options.durationSeconds} s after ${options.warmupSeconds} s warm-up)\n`,
  );
  console.log(markdownTable(HEADER, results.map(row)));
  for (const result of results) {
    console.log(`\n${DB_LABEL[result.db]}:`);
    for (const line of [...goals(result, diff), ...details(result, options, data)]) console.log(`  - ${line}`);
  }
  console.log(`\nWritten to BENCHMARKS.md.`);
}
