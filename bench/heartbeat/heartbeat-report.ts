/** The heartbeat benchmark's result, its table row and details, as printed and written to BENCHMARKS.md. */
import { type MusterRunFacts } from '../lib/muster-on-database.ts';
import { DB_LABEL, type DbKind } from '../lib/basics.ts';
import { fmt, mib } from '../lib/report.ts';
import { type HeartbeatOptions } from '../heartbeat-bench.ts';
import { type LoadResult } from './heartbeat-load.ts';

export interface DbResult extends MusterRunFacts {
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
  /** Whether the planner had statistics on the heartbeat tables (a fresh database has none). */
  statistics: string;
}

export const HEADER = [
  'db',
  'heartbeats/s',
  'p50 ms',
  'p99 ms',
  'bare req/s',
  'bare p50 ms',
  'bare p99 ms',
  'ratio (muster/bare)',
  'Muster µs CPU/req',
  'PostgreSQL µs CPU/req',
  'bare µs CPU/req',
];

/** CPU microseconds per answered request, from cores busy and requests per second. */
const microsPerRequest = (cores: number | undefined, load: LoadResult) => (cores === undefined ? undefined : (cores * 1e6) / load.perSecond);

export function row(result: DbResult): string[] {
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

export function details(result: DbResult, options: HeartbeatOptions): string[] {
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
