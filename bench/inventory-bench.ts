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
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { classifyChange, loadChangeRules } from '../src/features/inventory/diff/change-rules.ts';
import { inventoryHash } from '../src/features/inventory/diff/canonical-json.ts';
import { diffInventories } from '../src/features/inventory/diff/inventory-diff.ts';
import { createInventoryGenerator, INVENTORY_FLAVOURS, type InventoryFlavour } from './inventory-fixtures/inventory-generator.ts';
import { postgresSkipped, prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import { DB_LABEL, type DbKind, progress, REPO_ROOT, sleep } from './lib/basics.ts';
import { createFleet, type Credentials } from './lib/fleet.ts';
import { sampleRss, type Samples, scrapeMetrics } from './lib/metrics.ts';
import { cpuSeconds, machineBusySeconds, peakRssFromProc } from './lib/proc-readings.ts';
import { logProblems, type MusterProcess } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, mib, percentile, codeChangedWarning, writeBenchmarkSection } from './lib/report.ts';

export interface InventoryOptions {
  dbs: DbKind[];
  systems: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Rounds generated per system; undefined: enough for GENEROUS_RATE over warm-up and run. */
  rounds: number | undefined;
  drainTimeoutSeconds: number;
}

const INVENTORY_PATH = '/api/systems/inventory';
const QUEUE = 'inventory.process';
const RULES_FILE = path.join(REPO_ROOT, 'rules', 'inventory-rules.json');
/** The default number of rounds covers warm-up and run at this many requests per second. */
const GENEROUS_RATE = 1_500;
/** Give up waiting for the queue when nothing was processed for this long. */
const STALL_MS = 60_000;
/** Once every inventory is processed, how long to keep watching the job queue empty out. */
const QUEUE_WATCH_MS = 10_000;
/** Goals from the issue. */
const GOAL_ACCEPTED_PER_S = 1_000;
const GOAL_PROCESSED_PER_S = 500;
const GOAL_DIFF_US = 200;

const flavourOf = (index: number): InventoryFlavour => INVENTORY_FLAVOURS[index % INVENTORY_FLAVOURS.length]!;
/** System types as an operator would create them (the flavour decides the inventory's shape). */
const SYSTEM_TYPE: Record<InventoryFlavour, string> = { generic: 'linux', ns8: 'ns8', nsec: 'nsec' };

// ---------------------------------------------------------------------------------------------
// The diff engine, in this process

interface DiffResult {
  flavour: InventoryFlavour;
  pairs: number;
  meanBytes: number;
  meanChanges: number;
  /** Median, min and max over the batches of µs per pair (diff + classification of every change). */
  median: number;
  min: number;
  max: number;
  batches: number;
  /** diffInventories alone, median µs per pair. */
  diffOnly: number;
  /** JSON.parse + inventoryHash (what ingest does to each body), median µs per inventory. */
  ingestCpu: number;
}

const DIFF_PAIRS = 64;
const DIFF_BATCHES = 25;
const DIFF_BATCH_MS = 40;

/** Median over DIFF_BATCHES batches of µs per item; each batch runs `pass` (over `items` items) for about DIFF_BATCH_MS. */
function batchesOf(pass: () => void, items: number): number[] {
  for (let i = 0; i < 20; i++) pass(); // warm-up: let the JIT settle
  const results: number[] = [];
  for (let batch = 0; batch < DIFF_BATCHES; batch++) {
    let passes = 0;
    const started = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < BigInt(DIFF_BATCH_MS * 1e6)) {
      pass();
      passes++;
      elapsed = process.hrtime.bigint() - started;
    }
    results.push(Number(elapsed) / 1000 / (passes * items));
  }
  return results.sort((a, b) => a - b);
}

function measureDiff(): DiffResult[] {
  const rules = loadChangeRules(RULES_FILE);
  return INVENTORY_FLAVOURS.map((flavour, index) => {
    const generator = createInventoryGenerator({ seed: 7_000 + index, flavour });
    const chain: Record<string, unknown>[] = [generator.initial()];
    for (let i = 0; i < DIFF_PAIRS; i++) chain.push(generator.next(chain.at(-1)!));
    const texts = chain.map((inventory) => JSON.stringify(inventory));
    let changes = 0;
    for (let i = 1; i < chain.length; i++) changes += diffInventories(chain[i - 1], chain[i]).changes.length;
    let sink = 0;
    const full = batchesOf(() => {
      for (let i = 1; i < chain.length; i++) {
        for (const change of diffInventories(chain[i - 1], chain[i]).changes) sink += classifyChange(change, rules).significant ? 1 : 0;
      }
    }, DIFF_PAIRS);
    const diffOnly = batchesOf(() => {
      for (let i = 1; i < chain.length; i++) sink += diffInventories(chain[i - 1], chain[i]).changes.length;
    }, DIFF_PAIRS);
    const ingest = batchesOf(() => {
      for (const text of texts) sink += inventoryHash(JSON.parse(text)).length;
    }, texts.length);
    if (sink < 0) throw new Error('unreachable'); // keeps the work observable
    return {
      flavour,
      pairs: DIFF_PAIRS,
      meanBytes: texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / texts.length,
      meanChanges: changes / DIFF_PAIRS,
      median: percentile(full, 50),
      min: full[0]!,
      max: full.at(-1)!,
      batches: DIFF_BATCHES,
      diffOnly: percentile(diffOnly, 50),
      ingestCpu: percentile(ingest, 50),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The traffic: pre-generated rounds, walked in order per system

interface Bodies {
  /** bodies[system][round]: the JSON text of that round, ready to send. */
  bodies: Buffer[][];
  rounds: number;
  meanBytes: number;
  seconds: number;
}

function generateBodies(systems: number, rounds: number): Bodies {
  const started = performance.now();
  let bytes = 0;
  const bodies = Array.from({ length: systems }, (_, index) => {
    const generator = createInventoryGenerator({ seed: 1_000 + index, flavour: flavourOf(index) });
    const out: Buffer[] = [];
    let inventory = generator.initial();
    for (let round = 0; round < rounds; round++) {
      if (round > 0) inventory = generator.next(inventory);
      const body = Buffer.from(JSON.stringify(inventory));
      bytes += body.length;
      out.push(body);
    }
    return out;
  });
  return { bodies, rounds, meanBytes: bytes / (systems * rounds), seconds: (performance.now() - started) / 1000 };
}

/**
 * Which round a system sends at its `post`-th request: 0, 1, …, R-1, then back down R-2, …, 0
 * and up again, so consecutive posts of a system are always neighbouring rounds (a real diff of
 * a few changes) even when the run outlasts the generated rounds.
 */
function roundAt(post: number, rounds: number): number {
  if (rounds === 1) return 0;
  const period = 2 * (rounds - 1);
  const phase = post % period;
  return phase < rounds ? phase : period - phase;
}

type Phase = 'warmup' | 'run' | 'done';

/** Requests of one phase, classified by when they were sent; answered ones only. */
interface PhaseResult {
  requests: number;
  accepted: number;
  non2xx: number;
  statusCounts: Map<number, number>;
  /** From the phase's start to its last answer. */
  seconds: number;
  acceptedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

interface LoadResult {
  warmup: PhaseResult;
  run: PhaseResult;
  /** Connection errors and timeouts over the whole load (autocannon's counts). */
  errors: number;
  timeouts: number;
  /** Inventory posts sent but never answered (a timeout, or still in flight at the safety stop). */
  unanswered: number;
  /** Wall-clock (performance.now()) of the start, the end of the warm-up, and the last inventory answer. */
  startedAt: number;
  runStartedAt: number;
  endedAt: number;
  /** Cores busy during the measured phase: Muster, this process (autocannon), the whole machine. */
  targetCores: number | undefined;
  generatorCores: number;
  machineCores: number | undefined;
}

/** After its last inventory, a connection asks for this (a 404 that touches no database) until every connection is done. */
const IDLE_PATH = '/bench-idle';
/** How long the last inventories may take to be answered before the load is stopped anyway. */
const GRACE_SECONDS = 30;

/**
 * One load: `warmupSeconds` then `runSeconds`. Connection i sends systems i, i + C, i + 2C, …
 * in turn, each request the next round of that system: a system is never in flight twice (an
 * appliance has one connection), so its rounds arrive in order. When the time is up a connection
 * sends no more inventories, and the load stops once each connection has had the answer to its
 * last one, so no inventory is cut off in flight: Muster's 202s are exactly the inventories it
 * stored, and the requests are classified by the phase in which they were sent.
 */
async function drive(
  url: string,
  fleet: Credentials[],
  data: Bodies,
  posts: Int32Array,
  /** Per system, the receive time (ms) Muster gave the last inventory it accepted: updated from the 202s. */
  lastAccepted: (number | undefined)[],
  connections: number,
  warmupSeconds: number,
  runSeconds: number,
  targetPid: number,
): Promise<LoadResult> {
  const authorization = fleet.map((system) => `Basic ${Buffer.from(`${system.systemKey}:${system.secret}`).toString('base64')}`);
  const phaseOf = (now: number): Phase => (now < runStartsAt ? 'warmup' : now < doneAt ? 'run' : 'done');
  let startedAt = performance.now();
  let runStartsAt = startedAt + warmupSeconds * 1000;
  let doneAt = runStartsAt + runSeconds * 1000;
  /** What each connection has in flight (pipelining 1: the request built last). */
  const inFlight: Phase[] = new Array<Phase>(connections).fill('warmup');
  const clientOf = new Map<autocannon.Client, number>();
  let doneConnections = 0;
  let lastAnswerAt = startedAt;
  let instance: autocannon.Instance | undefined;
  const stats = {
    warmup: { latencies: [] as number[], statusCounts: new Map<number, number>() },
    run: { latencies: [] as number[], statusCounts: new Map<number, number>() },
  };

  const requestFor = (connection: number): autocannon.Request => {
    const mine = fleet.map((_system, index) => index).filter((index) => index % connections === connection);
    let cursor = 0;
    /** The system of the request in flight (pipelining 1), -1 for the idle request. */
    let current = -1;
    return {
      method: 'POST',
      path: INVENTORY_PATH,
      onResponse: (status, body) => {
        if (status !== 202 || current < 0) return;
        const at = Date.parse((JSON.parse(body) as { data: { timestamp: string } }).data.timestamp);
        if (!(at <= (lastAccepted[current] ?? -Infinity))) lastAccepted[current] = at;
      },
      // Called by autocannon for every request it sends on this connection, once the previous one was answered.
      setupRequest: (request) => {
        const phase = phaseOf(performance.now());
        if (phase === 'done') {
          if (inFlight[connection] !== 'done') {
            inFlight[connection] = 'done';
            if (++doneConnections === connections) setImmediate(() => instance?.stop());
          }
          current = -1;
          return { ...request, method: 'GET', path: IDLE_PATH, headers: {}, body: undefined };
        }
        inFlight[connection] = phase;
        const system = mine[cursor++ % mine.length]!;
        current = system;
        const round = roundAt(posts[system]!++, data.rounds);
        return {
          ...request,
          headers: { ...request.headers, 'content-type': 'application/json', authorization: authorization[system] },
          body: data.bodies[system]![round]!,
        };
      },
    };
  };

  let cpuAtRun: { target: number | undefined; machine: number | undefined; own: NodeJS.CpuUsage; at: number } | undefined;
  let cpuAtEnd: { target: number | undefined; machine: number | undefined; own: NodeJS.CpuUsage; at: number } | undefined;
  const snapshot = () => ({ target: cpuSeconds(targetPid), machine: machineBusySeconds(), own: process.cpuUsage(), at: performance.now() });
  let clientIndex = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    startedAt = performance.now();
    runStartsAt = startedAt + warmupSeconds * 1000;
    doneAt = runStartsAt + runSeconds * 1000;
    const timers = [setTimeout(() => (cpuAtRun = snapshot()), runStartsAt - startedAt), setTimeout(() => (cpuAtEnd = snapshot()), doneAt - startedAt)];
    instance = autocannon(
      {
        url,
        connections,
        duration: warmupSeconds + runSeconds + GRACE_SECONDS,
        // Checks for stop() every 100 ms rather than every second.
        sampleInt: 100,
        pipelining: 1,
        timeout: 10,
        // Built once per connection and replaced at once by setupClient: static, so it sends nothing.
        requests: [{ method: 'GET', path: IDLE_PATH }],
        setupClient: (client) => {
          const connection = clientIndex++ % connections;
          clientOf.set(client, connection);
          client.setRequests([requestFor(connection)]);
        },
      },
      (error: unknown, answer) => {
        for (const timer of timers) clearTimeout(timer);
        if (error) reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
        else resolve(answer);
      },
    );
    instance.on('response', (client, statusCode, _bytes, responseTime) => {
      const phase = inFlight[clientOf.get(client) ?? -1];
      if (phase === undefined || phase === 'done') return;
      stats[phase].latencies.push(responseTime);
      stats[phase].statusCounts.set(statusCode, (stats[phase].statusCounts.get(statusCode) ?? 0) + 1);
      lastAnswerAt = performance.now();
    });
  });

  const phaseResult = (phase: 'warmup' | 'run', from: number, to: number): PhaseResult => {
    const { latencies, statusCounts } = stats[phase];
    latencies.sort((a, b) => a - b);
    const accepted = statusCounts.get(202) ?? 0;
    const seconds = Math.max(0.001, (to - from) / 1000);
    return {
      requests: latencies.length,
      accepted,
      non2xx: [...statusCounts].reduce((sum, [code, count]) => (code >= 200 && code < 300 ? sum : sum + count), 0),
      statusCounts,
      seconds,
      acceptedPerSecond: accepted / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
    };
  };
  const run = phaseResult('run', runStartsAt, Math.max(doneAt, lastAnswerAt));
  const warmup = phaseResult('warmup', startedAt, runStartsAt);
  const from = cpuAtRun ?? snapshot();
  const to = cpuAtEnd ?? snapshot();
  const wall = Math.max(0.001, (to.at - from.at) / 1000);
  const own = { user: to.own.user - from.own.user, system: to.own.system - from.own.system };
  return {
    warmup,
    run,
    errors: result.errors,
    timeouts: result.timeouts,
    unanswered: inFlight.filter((phase) => phase !== 'done').length + result.timeouts,
    startedAt,
    runStartedAt: runStartsAt,
    endedAt: Math.max(doneAt, lastAnswerAt),
    targetCores: from.target !== undefined && to.target !== undefined ? (to.target - from.target) / wall : undefined,
    generatorCores: (own.user + own.system) / 1e6 / wall,
    machineCores: from.machine !== undefined && to.machine !== undefined ? (to.machine - from.machine) / wall : undefined,
  };
}

/** 202s of POST /api/systems/inventory by Muster's own counter. */
function accepted202(samples: Samples): number {
  let total = 0;
  for (const [key, value] of samples) {
    if (key.startsWith('muster_http_requests_total{') && key.includes(`route="${INVENTORY_PATH}"`) && key.includes('status_code="202"')) total += value;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Watching the processing

interface QueueCounts {
  queued: number;
  active: number;
  dead: number;
  /** Jobs completed so far (PostgreSQL only). */
  completed?: number | undefined;
}

interface Progress {
  /**
   * Inventory records stored so far (one per processed inventory: every round differs from the
   * last). Every reading on PostgreSQL; on PGlite only when asked for (a request per system).
   */
  records?: number | undefined;
  /** Inventories waiting for processing (PostgreSQL only: inventory_uploads). */
  uploads?: number | undefined;
  /** Systems whose latest accepted inventory is not processed yet (PGlite, by last_inventory_at). */
  behind?: number | undefined;
  /** pg-boss jobs of the queue: exact on PostgreSQL (SQL), as of pg-boss's last monitoring pass on PGlite. */
  jobs: QueueCounts;
  /** How long reading this took. */
  readMs: number;
  /** CPU seconds used so far by Muster and by the whole machine, read with it. */
  musterCpu?: number | undefined;
  machineCpu?: number | undefined;
}

interface Totals {
  records: number;
  diffs: number;
  significantDiffs: number;
  /** Records stored with no change against the previous one (beyond the first of each system). */
  recordsWithoutChanges?: number | undefined;
  /** Sum of change_count over the records, to compare with the diff rows. */
  changeCountSum?: number | undefined;
  bySeverity?: Record<string, number> | undefined;
  tableBytes?: Record<string, number> | undefined;
}

interface Watcher {
  how: string;
  /** Whether jobs counts are exact (SQL) rather than pg-boss's cached statistics. */
  exactJobs: boolean;
  /** One reading; `withRecords` asks for the record count where it is not read every time. */
  read(withRecords?: boolean): Promise<Progress>;
  /** Whether this reading shows all `expected` accepted inventories processed. */
  drained(reading: Progress, expected: number): boolean;
  totals(): Promise<Totals>;
  close(): Promise<void>;
}

async function getJson<T>(muster: MusterProcess, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${muster.url}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${muster.adminToken}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200) throw new Error(`GET ${pathAndQuery} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

async function postgresWatcher(url: string): Promise<Watcher> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    how: 'SQL through a separate connection every 100 ms: count(*) of inventory_uploads and inventory_records, pg-boss jobs of the queue by state',
    exactJobs: true,
    // Every inventory was committed before its 202, and the load ended only once all were answered.
    drained: (reading) => reading.uploads === 0,
    async read() {
      const started = performance.now();
      const { rows } = await client.query<{ uploads: number; records: number; queued: number; active: number; completed: number; dead: number }>(
        `SELECT (SELECT count(*)::int FROM inventory_uploads) AS uploads,
                (SELECT count(*)::int FROM inventory_records) AS records,
                (SELECT count(*) FILTER (WHERE state IN ('created', 'retry'))::int FROM pgboss.job WHERE name = $1) AS queued,
                (SELECT count(*) FILTER (WHERE state = 'active')::int FROM pgboss.job WHERE name = $1) AS active,
                (SELECT count(*) FILTER (WHERE state = 'completed')::int FROM pgboss.job WHERE name = $1) AS completed,
                (SELECT count(*)::int FROM pgboss.job WHERE name = $2 AND state IN ('created', 'retry')) AS dead`,
        [QUEUE, `${QUEUE}.dead`],
      );
      const row = rows[0]!;
      return {
        records: row.records,
        uploads: row.uploads,
        jobs: { queued: row.queued, active: row.active, dead: row.dead, completed: row.completed },
        readMs: performance.now() - started,
      };
    },
    async totals() {
      const { rows } = await client.query<{ records: number; without: number; change_sum: number; diffs: number; significant: number }>(
        `SELECT (SELECT count(*)::int FROM inventory_records) AS records,
                (SELECT count(*)::int FROM inventory_records r WHERE change_count = 0
                   AND EXISTS (SELECT 1 FROM inventory_records p WHERE p.system_id = r.system_id AND p.received_at < r.received_at)) AS without,
                (SELECT coalesce(sum(change_count), 0)::int FROM inventory_records) AS change_sum,
                (SELECT count(*)::int FROM inventory_diffs) AS diffs,
                (SELECT count(*)::int FROM inventory_diffs WHERE significant) AS significant`,
      );
      const severity = await client.query<{ severity: string; count: number }>('SELECT severity, count(*)::int AS count FROM inventory_diffs GROUP BY severity');
      const sizes = await client.query<{ name: string; bytes: string }>(
        `SELECT relname AS name, pg_total_relation_size(oid)::text AS bytes FROM pg_class
         WHERE relname IN ('inventory_uploads', 'inventory_records', 'inventory_diffs') AND relkind = 'r'`,
      );
      const row = rows[0]!;
      return {
        records: row.records,
        diffs: row.diffs,
        significantDiffs: row.significant,
        recordsWithoutChanges: row.without,
        changeCountSum: row.change_sum,
        bySeverity: Object.fromEntries(severity.rows.map((entry) => [entry.severity, entry.count])),
        tableBytes: Object.fromEntries(sizes.rows.map((entry) => [entry.name, Number(entry.bytes)])),
      };
    },
    close: () => client.end(),
  };
}

/**
 * PGlite cannot be opened from a second process: the management API tells what was processed.
 * Processing updates a system's last_inventory_at to the time its newest processed inventory was
 * received, in received order, so a system is done when that equals the `timestamp` of the last
 * 202 it was sent (`lastAccepted`): one request for the whole fleet per reading.
 */
function apiWatcher(muster: MusterProcess, fleet: Credentials[], lastAccepted: (number | undefined)[]): Watcher {
  const indexOf = new Map(fleet.map((system, index) => [system.id, index]));
  const recordsOf = async (): Promise<number> => {
    let next = 0;
    let sum = 0;
    const worker = async () => {
      for (;;) {
        const index = next++;
        if (index >= fleet.length) return;
        const page = await getJson<{ total: number }>(muster, `/api/v1/systems/${fleet[index]!.id}/inventory?page_size=1`);
        sum += page.total;
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    return sum;
  };
  const behind = async (): Promise<number> => {
    const processedUpTo = new Map<number, number>();
    for (let page = 1; ; page++) {
      const answer = await getJson<{ items: { id: string; last_inventory_at: string | null }[]; total: number }>(
        muster,
        `/api/v1/systems?page_size=500&page=${page}&sort=created_at`,
      );
      for (const system of answer.items) {
        const index = indexOf.get(system.id);
        if (index !== undefined && system.last_inventory_at) processedUpTo.set(index, Date.parse(system.last_inventory_at));
      }
      if (answer.items.length < 500 || page * 500 >= answer.total) break;
    }
    return lastAccepted.filter((at, index) => at !== undefined && (processedUpTo.get(index) ?? -Infinity) < at).length;
  };
  const jobs = async (): Promise<QueueCounts> => {
    const answer = await getJson<{ queues: { name: string; queued: number; active: number; dead: number }[] }>(muster, '/api/v1/jobs');
    const queue = answer.queues.find((entry) => entry.name === QUEUE);
    return { queued: queue?.queued ?? NaN, active: queue?.active ?? NaN, dead: queue?.dead ?? NaN };
  };
  return {
    how:
      `the management API every 250 ms: GET /api/v1/systems (every system's last_inventory_at, against the timestamp of the last 202 it got) ` +
      `and GET /api/v1/jobs (pg-boss's cached statistics, not a live count); records counted with GET /api/v1/systems/:id/inventory?page_size=1 ` +
      `for every system when the load stopped and at the end`,
    exactJobs: false,
    drained: (reading) => reading.behind === 0,
    async read(withRecords = false) {
      const started = performance.now();
      const [systemsBehind, queue, records] = await Promise.all([behind(), jobs(), withRecords ? recordsOf() : undefined]);
      return { records, behind: systemsBehind, jobs: queue, readMs: performance.now() - started };
    },
    async totals() {
      const all = await getJson<{ total: number }>(muster, '/api/v1/changes?significant=true&page_size=1');
      const insignificant = await getJson<{ total: number }>(muster, '/api/v1/changes?significant=false&page_size=1');
      return { records: await recordsOf(), diffs: all.total + insignificant.total, significantDiffs: all.total };
    },
    close: async () => undefined,
  };
}

function progressText(reading: Progress, expected: number | undefined): string {
  const parts: string[] = [];
  if (reading.records !== undefined) parts.push(`records ${fmt(reading.records)}${expected !== undefined ? ` of ${fmt(expected)}` : ''}`);
  if (reading.uploads !== undefined) parts.push(`uploads waiting ${fmt(reading.uploads)}`);
  if (reading.behind !== undefined) parts.push(`systems with inventories waiting ${fmt(reading.behind)}`);
  return parts.join(', ');
}

interface Drain {
  /** Milliseconds from the start of the load until every accepted inventory was processed (undefined: not within the bound). */
  drainedMs: number | undefined;
  /** Same, until the job queue was seen empty (no queued or active job), if within QUEUE_WATCH_MS of drainedMs. */
  queueEmptyMs: number | undefined;
  /** Why the wait ended without draining. */
  gaveUp?: string | undefined;
  /** The first reading after the load stopped. */
  atLoadEnd: Progress;
  atLoadEndMs: number;
  /** The reading that saw everything processed. */
  atDrain: Progress | undefined;
  /** The last reading (up to QUEUE_WATCH_MS after atDrain). */
  last: Progress;
  lastMs: number;
  polls: number;
  meanReadMs: number;
}

/**
 * Waits until `records >= expected()` (and no upload waits, where that is known), then watches
 * the job queue for up to QUEUE_WATCH_MS more (or until it is empty). The time of an event is the
 * end of the first reading that saw it. expected() answers undefined until the number of accepted
 * inventories is known; readings taken before that count too.
 */
async function waitForDrain(
  watcher: Watcher,
  musterPid: number,
  loadStartedAt: number,
  expected: () => number | undefined,
  timeoutMs: number,
  intervalMs: number,
  label: string,
): Promise<Drain> {
  const deadline = performance.now() + timeoutMs;
  let drained: { at: number; progress: Progress } | undefined;
  let queueEmptyMs: number | undefined;
  let first: { at: number; progress: Progress } | undefined;
  let last: { at: number; progress: Progress } | undefined;
  let polls = 0;
  let readMs = 0;
  let lastChange = performance.now();
  let lastReport = performance.now();
  const seen: { at: number; progress: Progress }[] = [];
  for (;;) {
    const progressNow = await watcher.read(first === undefined);
    progressNow.musterCpu = cpuSeconds(musterPid);
    progressNow.machineCpu = machineBusySeconds();
    const reading = { at: performance.now() - loadStartedAt, progress: progressNow };
    polls++;
    readMs += progressNow.readMs;
    first ??= reading;
    if (last && (progressNow.records !== last.progress.records || progressNow.behind !== last.progress.behind)) lastChange = performance.now();
    last = reading;
    const target = expected();
    if (drained === undefined) {
      seen.push(reading);
      if (target !== undefined) drained = seen.find((entry) => watcher.drained(entry.progress, target));
    }
    if (drained !== undefined && queueEmptyMs === undefined && watcher.exactJobs && progressNow.jobs.queued === 0 && progressNow.jobs.active === 0) queueEmptyMs = reading.at;
    // Cached counts cannot tell when the queue empties: no point watching them.
    if (drained !== undefined && (!watcher.exactJobs || queueEmptyMs !== undefined || reading.at - drained.at >= QUEUE_WATCH_MS)) break;
    if (drained === undefined && performance.now() > deadline) break;
    if (drained === undefined && performance.now() - lastChange > STALL_MS) break;
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      progress(
        `${label}: ${fmt(reading.at / 1000, 1)} s, ${progressText(progressNow, target)}, jobs queued ${fmt(progressNow.jobs.queued)} active ${fmt(progressNow.jobs.active)}`,
      );
    }
    await sleep(intervalMs);
  }
  let gaveUp: string | undefined;
  if (drained === undefined) {
    gaveUp = performance.now() > deadline ? `not drained within ${fmt(timeoutMs / 1000)} s` : `nothing processed for ${fmt(STALL_MS / 1000)} s`;
  }
  return {
    drainedMs: drained?.at,
    queueEmptyMs,
    gaveUp,
    atLoadEnd: first.progress,
    atLoadEndMs: first.at,
    atDrain: drained?.progress,
    last: last.progress,
    lastMs: last.at,
    polls,
    meanReadMs: readMs / polls,
  };
}

// ---------------------------------------------------------------------------------------------
// One database

interface DbResult {
  db: DbKind;
  connections: number;
  load: LoadResult;
  /** Inventories Muster accepted (202) from the start of the warm-up, by its own counter. */
  acceptedExact: number;
  /** Ingest group commit over the whole load: batches, inventories in them, seconds writing them. */
  ingestBatches: { count: number; inventories: number; seconds: number };
  /** Milliseconds from the start of the warm-up to the end of the measured run. */
  loadMs: number;
  drain: Drain;
  totals: Totals;
  metricsJobs: string;
  /** GET /api/v1/jobs for the queue at the end, and the live count by SQL at the same moment (PostgreSQL). */
  reportedJobs: string;
  trueJobs: QueueCounts | undefined;
  watcherHow: string;
  roundsReversed: number;
  maxPosts: number;
  peakRss: number;
  vmHwm: number | undefined;
  startupMs: number;
  setupSeconds: number;
  exit: { code: number | null; signal: NodeJS.Signals | null; ms: number };
  nodeVersion: string;
  postgresVersion?: string | undefined;
  logProblems: string[];
  loadBefore: string;
}

async function benchDb(db: DbKind, options: InventoryOptions, data: Bodies): Promise<DbResult> {
  const target = await prepareDatabase(db, 'muster-bench-inventory-');
  const { label, loadBefore, scratch, postgresVersion } = target;

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
    startupMs: muster.startupMs,
    setupSeconds,
    exit,
    nodeVersion: muster.health.data.node_version,
    postgresVersion,
    logProblems: logProblems(muster),
    loadBefore,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

const processedPerSecond = (result: DbResult) => (result.drain.drainedMs === undefined ? NaN : result.acceptedExact / (result.drain.drainedMs / 1000));

const HEADER = ['db', 'accepted/s', 'p50 ms', 'p99 ms', 'non-2xx', 'accepted (whole load)', 'all processed after s', 'processed/s', 'records', 'diffs'];

function row(result: DbResult): string[] {
  return [
    DB_LABEL[result.db],
    fmt(result.load.run.acceptedPerSecond),
    fmt(result.load.run.p50, 2),
    fmt(result.load.run.p99, 2),
    fmt(result.load.run.non2xx),
    fmt(result.acceptedExact),
    result.drain.drainedMs === undefined ? (result.drain.gaveUp ?? 'not drained') : fmt(result.drain.drainedMs / 1000, 1),
    fmt(processedPerSecond(result)),
    fmt(result.totals.records),
    fmt(result.totals.diffs),
  ];
}

const DIFF_HEADER = ['flavour', 'mean size', 'changes/pair', 'µs/pair (median)', 'min–max', 'diff alone µs', 'parse + hash µs/inventory'];

function diffRow(result: DiffResult): string[] {
  return [
    result.flavour,
    `${fmt(result.meanBytes / 1024, 1)} KiB`,
    fmt(result.meanChanges, 1),
    fmt(result.median, 1),
    `${fmt(result.min, 1)}–${fmt(result.max, 1)}`,
    fmt(result.diffOnly, 1),
    fmt(result.ingestCpu, 1),
  ];
}

function statuses(phase: PhaseResult): string {
  const parts = [...phase.statusCounts].sort(([a], [b]) => a - b).map(([code, count]) => `${fmt(count)}× ${code}`);
  return `${parts.join(', ') || 'none'} (non-2xx ${fmt(phase.non2xx)})`;
}

function met(ok: boolean): string {
  return ok ? '**met**' : '**not met**';
}

function goals(result: DbResult, diff: DiffResult[]): string[] {
  const worst = diff.reduce((a, b) => (a.median >= b.median ? a : b));
  const processed = processedPerSecond(result);
  const scope = result.db === 'postgres' ? '' : ' (set for PostgreSQL; shown for comparison)';
  return [
    `≥ ${fmt(GOAL_ACCEPTED_PER_S)} inventories/s accepted${scope}: ${met(result.load.run.acceptedPerSecond >= GOAL_ACCEPTED_PER_S)} — ${fmt(result.load.run.acceptedPerSecond)}/s ` +
      `(p50 ${fmt(result.load.run.p50, 1)} ms, p99 ${fmt(result.load.run.p99, 1)} ms).`,
    `≥ ${fmt(GOAL_PROCESSED_PER_S)} inventories/s fully processed${scope}: ${met(processed >= GOAL_PROCESSED_PER_S)} — ` +
      (result.drain.drainedMs === undefined
        ? `${result.drain.gaveUp} (${fmt(result.acceptedExact)} accepted; at ${fmt(result.drain.lastMs / 1000, 1)} s after the load started: ${progressText(result.drain.last, result.acceptedExact)}).`
        : `${fmt(processed)}/s (${fmt(result.acceptedExact)} accepted inventories, the last processed ${fmt(result.drain.drainedMs / 1000, 1)} s after the load started; the load lasted ${fmt(result.loadMs / 1000, 1)} s).`),
    `Diff ≤ ${GOAL_DIFF_US} µs per 16 KB pair: ${met(diff.every((entry) => entry.median <= GOAL_DIFF_US))} — slowest flavour ${worst.flavour} at ${fmt(worst.median, 1)} µs ` +
      `(${diff.map((entry) => `${entry.flavour} ${fmt(entry.median, 1)}`).join(', ')}).`,
  ];
}

/** Cores busy between the first reading after the load and the one that saw everything processed. */
function tailCores(drain: Drain, which: 'musterCpu' | 'machineCpu'): number | undefined {
  const from = drain.atLoadEnd[which];
  const to = drain.atDrain?.[which];
  if (from === undefined || to === undefined || drain.drainedMs === undefined || drain.drainedMs <= drain.atLoadEndMs) return undefined;
  return (to - from) / ((drain.drainedMs - drain.atLoadEndMs) / 1000);
}

function jobsText(jobs: QueueCounts): string {
  return `queued ${fmt(jobs.queued)}, active ${fmt(jobs.active)}, dead ${fmt(jobs.dead)}${jobs.completed !== undefined ? `, completed ${fmt(jobs.completed)}` : ''}`;
}

function details(result: DbResult, options: InventoryOptions, data: Bodies): string[] {
  const { drain, load, totals } = result;
  const loadSeconds = result.loadMs / 1000;
  const processedDuringLoad = drain.atLoadEnd.records ?? NaN;
  const backlog = result.acceptedExact - processedDuringLoad;
  const tailMs = drain.drainedMs === undefined ? undefined : drain.drainedMs - drain.atLoadEndMs;
  const completedDuringDrain =
    drain.atDrain?.jobs.completed !== undefined && drain.atLoadEnd.jobs.completed !== undefined ? drain.atDrain.jobs.completed - drain.atLoadEnd.jobs.completed : undefined;
  const jobsPerSecond = (from: Progress, fromMs: number, to: Progress, toMs: number) =>
    from.jobs.completed !== undefined && to.jobs.completed !== undefined && toMs > fromMs ? (to.jobs.completed - from.jobs.completed) / ((toMs - fromMs) / 1000) : undefined;
  const jobRate = drain.drainedMs !== undefined ? jobsPerSecond(drain.atLoadEnd, drain.atLoadEndMs, drain.last, drain.lastMs) : undefined;
  const lines = [
    `Ingest, measured ${fmt(load.run.seconds, 1)} s (until the answer to the last inventory sent in the ${fmt(options.durationSeconds)} s): ${statuses(load.run)}; ` +
      `max latency ${fmt(load.run.max, 1)} ms. Warm-up ${fmt(load.warmup.seconds, 1)} s just before it, in the same load: ${statuses(load.warmup)}, ` +
      `${fmt(load.warmup.acceptedPerSecond)}/s, p99 ${fmt(load.warmup.p99, 1)} ms, starting with every system's first inventory. ` +
      `Connection errors ${fmt(load.errors)}, timeouts ${fmt(load.timeouts)}, inventories left unanswered ${fmt(load.unanswered)}; ` +
      `Muster's own counter: ${fmt(result.acceptedExact)} × 202 over warm-up and run (autocannon: ${fmt(load.warmup.accepted + load.run.accepted)}).` +
      (result.ingestBatches.count > 0
        ? ` Group commit (muster_inventory_batch_size, muster_inventory_write_seconds): ${fmt(result.ingestBatches.count)} transactions, ` +
          `${fmt(result.ingestBatches.inventories / result.ingestBatches.count, 1)} inventories and ${fmt((result.ingestBatches.seconds / result.ingestBatches.count) * 1000, 1)} ms each on average.`
        : ''),
    `Processing, end to end over the whole load (warm-up + run, ${fmt(loadSeconds, 1)} s): ${fmt(processedDuringLoad)} inventories processed by the time the load stopped ` +
      `(${fmt(processedDuringLoad / loadSeconds)}/s alongside ingest), ${fmt(backlog)} still waiting` +
      (tailMs !== undefined && backlog > 0 ? `, worked off in ${fmt(tailMs / 1000, 1)} s more (${fmt(backlog / (tailMs / 1000))}/s with no ingest)` : '') +
      '.',
    `Job queue (${QUEUE}, one job per accepted inventory)` +
      (result.trueJobs
        ? `, by SQL: when the load stopped ${jobsText(drain.atLoadEnd.jobs)}; ` +
          (drain.atDrain ? `when the last inventory was processed ${jobsText(drain.atDrain.jobs)}; ` : '') +
          (drain.queueEmptyMs !== undefined
            ? `empty ${fmt(drain.queueEmptyMs / 1000, 1)} s after the load started`
            : `${fmt((drain.lastMs - (drain.drainedMs ?? drain.lastMs)) / 1000, 1)} s later still ${jobsText(drain.last.jobs)}`) +
          (completedDuringDrain !== undefined && tailMs !== undefined
            ? `; ${fmt(completedDuringDrain)} jobs completed while the backlog was worked off (${fmt(completedDuringDrain / (tailMs / 1000), 1)}/s)`
            : '') +
          (jobRate !== undefined ? `, ${fmt(jobRate, 1)}/s from the end of the load to the last reading` : '') +
          `. At the end, by SQL ${jobsText(result.trueJobs)}; `
        : ': PGlite gives no live count; at the end ') +
      `Muster reported ${result.reportedJobs} (GET /api/v1/jobs) and muster_jobs ${result.metricsJobs || 'absent'} (/metrics).`,
    `Processing CPU after the load (from its end until everything was processed), in cores busy: ` +
      `Muster ${fmt(tailCores(drain, 'musterCpu'), 2)}, whole machine ${fmt(tailCores(drain, 'machineCpu'), 2)}.`,
    `How processing was watched: ${result.watcherHow}; ${fmt(drain.polls)} readings of ${fmt(drain.meanReadMs, 1)} ms on average. ` +
      (result.db === 'postgres'
        ? 'Processed = the first reading with no row left in inventory_uploads (an accepted inventory is committed there before its 202); ' +
          'every round differs from the one before, so the record count must equal the inventories accepted.'
        : "Processed = the first reading where every system's last_inventory_at had reached the time of its last accepted inventory " +
          '(processing goes in the order received); the record count at the end confirms it.'),
    `Stored: ${fmt(totals.records)} inventory records, ${fmt(totals.diffs)} diffs (${fmt(totals.significantDiffs)} significant)` +
      (totals.bySeverity && Object.keys(totals.bySeverity).length ? `; by severity ${Object.entries(totals.bySeverity).sort().map(([severity, count]) => `${severity} ${fmt(count)}`).join(', ')}` : '') +
      (totals.changeCountSum !== undefined ? `; sum of the records' change_count ${fmt(totals.changeCountSum)}` : '') +
      (totals.recordsWithoutChanges !== undefined ? `; records other than a system's first with no change ${fmt(totals.recordsWithoutChanges)}` : '') +
      (totals.tableBytes
        ? `. Table sizes: ${Object.entries(totals.tableBytes).sort().map(([name, bytes]) => `${name} ${mib(bytes)}`).join(', ')}` +
          (totals.tableBytes.inventory_records && totals.records ? ` (${fmt(totals.tableBytes.inventory_records / totals.records / 1024, 1)} KiB per record)` : '')
        : '') +
      '.',
    `Traffic: ${fmt(data.rounds)} rounds per system pre-generated (${fmt(options.systems * data.rounds)} bodies, mean ${fmt(data.meanBytes)} bytes, in ${fmt(data.seconds, 1)} s); ` +
      `the busiest system posted ${fmt(result.maxPosts)} times` +
      (result.roundsReversed > 0 ? `; ${fmt(result.roundsReversed)} posts walked the rounds backwards past the last one (still neighbouring rounds)` : '; no round was sent twice') +
      '.',
    `Muster peak RSS: ${mib(result.peakRss)} (process_resident_memory_bytes every 500 ms from the load's start until processed); kernel VmHWM ${mib(result.vmHwm)}.`,
    `CPU during the measured run, in cores busy: Muster ${fmt(load.targetCores, 2)}, autocannon ${fmt(load.generatorCores, 2)}, whole machine ${fmt(load.machineCores, 2)}` +
      `${result.db === 'postgres' ? ' (the rest is mostly PostgreSQL)' : ''}. Load average before the run: ${result.loadBefore}.`,
    `Set-up: Muster healthy ${fmt(result.startupMs)} ms after spawn; ${fmt(options.systems)} systems created and registered through the API in ${fmt(result.setupSeconds, 1)} s.`,
    `SIGTERM: Muster exited with code ${result.exit.code}${result.exit.signal ? ` (signal ${result.exit.signal})` : ''} after ${fmt(result.exit.ms)} ms.`,
  ];
  if (result.logProblems.length) {
    lines.push(`Muster logged ${result.logProblems.length} warning/error lines, first: \`${result.logProblems[0]!.slice(0, 300)}\``);
  }
  return lines;
}

function diffDetails(diff: DiffResult[]): string {
  return (
    `Diff engine, in the benchmark process: diffInventories + classifyChange of every change with the default rules (${path.relative(REPO_ROOT, RULES_FILE)}), ` +
    `over ${diff[0]?.pairs ?? 0} pairs of consecutive generated rounds per flavour; median of ${diff[0]?.batches ?? 0} batches of ~${DIFF_BATCH_MS} ms after a warm-up. ` +
    `"diff alone" leaves out the classification; "parse + hash" is JSON.parse + inventoryHash of one body, the CPU ingest spends before its transaction.`
  );
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
  console.log(`\nInventory benchmark (${fmt(options.systems)} systems, ${options.connections} connections, ${options.durationSeconds} s after ${options.warmupSeconds} s warm-up)\n`);
  console.log(markdownTable(HEADER, results.map(row)));
  for (const result of results) {
    console.log(`\n${DB_LABEL[result.db]}:`);
    for (const line of [...goals(result, diff), ...details(result, options, data)]) console.log(`  - ${line}`);
  }
  console.log(`\nWritten to BENCHMARKS.md.`);
}
