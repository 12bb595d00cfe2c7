/** The inventory benchmark's table rows and details, as printed and written to BENCHMARKS.md. */
import { type MusterRunFacts } from '../lib/muster-on-database.ts';
import path from 'node:path';
import { DB_LABEL, type DbKind, REPO_ROOT } from '../lib/basics.ts';
import { fmt, mib } from '../lib/report.ts';
import { DIFF_BATCH_MS, type DiffResult } from './diff-measurement.ts';
import { GOAL_ACCEPTED_PER_S, GOAL_DIFF_US, GOAL_PROCESSED_PER_S, type InventoryOptions, QUEUE, RULES_FILE } from './inventory-settings.ts';
import { type Bodies, type LoadResult, type PhaseResult } from './inventory-traffic.ts';
import { type Drain, type Progress, progressText, type QueueCounts, type Totals } from './processing-watch.ts';

export interface DbResult extends MusterRunFacts {
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
}

const processedPerSecond = (result: DbResult) => (result.drain.drainedMs === undefined ? NaN : result.acceptedExact / (result.drain.drainedMs / 1000));

export const HEADER = ['db', 'accepted/s', 'p50 ms', 'p99 ms', 'non-2xx', 'accepted (whole load)', 'all processed after s', 'processed/s', 'records', 'diffs'];

export function row(result: DbResult): string[] {
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

export const DIFF_HEADER = ['flavour', 'mean size', 'changes/pair', 'µs/pair (median)', 'min–max', 'diff alone µs', 'parse + hash µs/inventory'];

export function diffRow(result: DiffResult): string[] {
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

export function goals(result: DbResult, diff: DiffResult[]): string[] {
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

export function details(result: DbResult, options: InventoryOptions, data: Bodies): string[] {
  const { drain, load, totals } = result;
  const loadSeconds = result.loadMs / 1000;
  const processedDuringLoad = drain.atLoadEnd.records ?? NaN;
  const backlog = result.acceptedExact - processedDuringLoad;
  const tailMs = drain.drainedMs === undefined ? undefined : drain.drainedMs - drain.atLoadEndMs;
  const completedDuringDrain =
    drain.atDrain?.jobs.completed !== undefined && drain.atLoadEnd.jobs.completed !== undefined
      ? drain.atDrain.jobs.completed - drain.atLoadEnd.jobs.completed
      : undefined;
  const jobsPerSecond = (from: Progress, fromMs: number, to: Progress, toMs: number) =>
    from.jobs.completed !== undefined && to.jobs.completed !== undefined && toMs > fromMs
      ? (to.jobs.completed - from.jobs.completed) / ((toMs - fromMs) / 1000)
      : undefined;
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
      (totals.bySeverity && Object.keys(totals.bySeverity).length
        ? `; by severity ${Object.entries(totals.bySeverity)
            .sort()
            .map(([severity, count]) => `${severity} ${fmt(count)}`)
            .join(', ')}`
        : '') +
      (totals.changeCountSum !== undefined ? `; sum of the records' change_count ${fmt(totals.changeCountSum)}` : '') +
      (totals.recordsWithoutChanges !== undefined ? `; records other than a system's first with no change ${fmt(totals.recordsWithoutChanges)}` : '') +
      (totals.tableBytes
        ? `. Table sizes: ${Object.entries(totals.tableBytes)
            .sort()
            .map(([name, bytes]) => `${name} ${mib(bytes)}`)
            .join(', ')}` +
          (totals.tableBytes.inventory_records && totals.records
            ? ` (${fmt(totals.tableBytes.inventory_records / totals.records / 1024, 1)} KiB per record)`
            : '')
        : '') +
      '.',
    `Traffic: ${fmt(data.rounds)} rounds per system pre-generated (${fmt(options.systems * data.rounds)} bodies, mean ${fmt(data.meanBytes)} bytes, in ${fmt(data.seconds, 1)} s); ` +
      `the busiest system posted ${fmt(result.maxPosts)} times` +
      (result.roundsReversed > 0
        ? `; ${fmt(result.roundsReversed)} posts walked the rounds backwards past the last one (still neighbouring rounds)`
        : '; no round was sent twice') +
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

export function diffDetails(diff: DiffResult[]): string {
  return (
    `Diff engine, in the benchmark process: diffInventories + classifyChange of every change with the default rules (${path.relative(REPO_ROOT, RULES_FILE)}), ` +
    `over ${diff[0]?.pairs ?? 0} pairs of consecutive generated rounds per flavour; median of ${diff[0]?.batches ?? 0} batches of ~${DIFF_BATCH_MS} ms after a warm-up. ` +
    `"diff alone" leaves out the classification; "parse + hash" is JSON.parse + inventoryHash of one body, the CPU ingest spends before its transaction.`
  );
}
