/** Watching the processing: the job queue and stored records, read by SQL on PostgreSQL or through the API on PGlite, until every accepted inventory is processed. */
import pg from 'pg';
import { progress, sleep } from '../lib/basics.ts';
import { type Credentials } from '../lib/fleet.ts';
import { cpuSeconds, machineBusySeconds } from '../lib/proc-readings.ts';
import { type MusterProcess } from '../lib/processes.ts';
import { fmt } from '../lib/report.ts';
import { QUEUE, QUEUE_WATCH_MS, STALL_MS } from './inventory-settings.ts';

export interface QueueCounts {
  queued: number;
  active: number;
  dead: number;
  /** Jobs completed so far (PostgreSQL only). */
  completed?: number | undefined;
}

export interface Progress {
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

export interface Totals {
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

export async function getJson<T>(muster: MusterProcess, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${muster.url}${pathAndQuery}`, {
    headers: { authorization: `Bearer ${muster.adminToken}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (response.status !== 200) throw new Error(`GET ${pathAndQuery} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export async function postgresWatcher(url: string): Promise<Watcher> {
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
      const severity = await client.query<{ severity: string; count: number }>(
        'SELECT severity, count(*)::int AS count FROM inventory_diffs GROUP BY severity',
      );
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
export function apiWatcher(muster: MusterProcess, fleet: Credentials[], lastAccepted: (number | undefined)[]): Watcher {
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

export function progressText(reading: Progress, expected: number | undefined): string {
  const parts: string[] = [];
  if (reading.records !== undefined) parts.push(`records ${fmt(reading.records)}${expected !== undefined ? ` of ${fmt(expected)}` : ''}`);
  if (reading.uploads !== undefined) parts.push(`uploads waiting ${fmt(reading.uploads)}`);
  if (reading.behind !== undefined) parts.push(`systems with inventories waiting ${fmt(reading.behind)}`);
  return parts.join(', ');
}

export interface Drain {
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
export async function waitForDrain(
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
    if (drained !== undefined && queueEmptyMs === undefined && watcher.exactJobs && progressNow.jobs.queued === 0 && progressNow.jobs.active === 0)
      queueEmptyMs = reading.at;
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
