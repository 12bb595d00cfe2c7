/** The liveness benchmark's result, its table row and details, as printed and written to BENCHMARKS.md. */
import { DB_LABEL, type DbKind } from '../lib/basics.ts';
import { fmt, mib } from '../lib/report.ts';
import { CROSS_FROM_S, CROSS_TO_S, type LivenessOptions, TIMEOUT_MINUTES } from '../liveness-bench.ts';

export interface Phase {
  name: string;
  seconds: number;
}

export interface LivenessResult {
  db: DbKind;
  fleet: number;
  stopped: number;
  phases: Phase[];
  inactiveEvents: number;
  distinctInactive: number;
  inactiveOutsideStopped: number;
  otherEvents: Record<string, number>;
  maxEventsPerSystem: number;
  statusCounts: Record<string, number>;
  occurredMismatchMaxMs: number;
  delays: { min: number; p50: number; p99: number; max: number };
  /** Delays of the transitions that crossed while Muster was already answering /api/health. */
  crossedBeforeHealthy: number;
  delaysAfterHealthy: { min: number; p50: number; p99: number; max: number } | undefined;
  detectedAfterS: number | undefined;
  timedOut: boolean;
  rss: number | undefined;
  vmHwm: number | undefined;
  metricsScrapeMs: number;
  transitionsCounter: number | undefined;
  startupMs: number;
  stoppedAt: 'after-healthy' | 'before-start';
  exit: { code: number | null; signal: NodeJS.Signals | null; ms: number };
  firstExit: { code: number | null; signal: NodeJS.Signals | null; ms: number };
  dbSize: number | undefined;
  nodeVersion: string;
  postgresVersion: string | undefined;
  logProblems: string[];
}

export const HEADER = [
  'db',
  'systems',
  'stopped',
  'detected',
  'delay min ms',
  'p50 ms',
  'p99 ms',
  'max ms',
  'other inactive',
  'max events/system',
  'Muster RSS',
];

export function row(result: LivenessResult): string[] {
  return [
    DB_LABEL[result.db],
    fmt(result.fleet),
    fmt(result.stopped),
    `${fmt(result.distinctInactive)}${result.timedOut ? ' (timed out)' : ''}`,
    fmt(result.delays.min),
    fmt(result.delays.p50),
    fmt(result.delays.p99),
    fmt(result.delays.max),
    fmt(result.inactiveOutsideStopped),
    fmt(result.maxEventsPerSystem),
    mib(result.rss),
  ];
}

export function details(result: LivenessResult, options: LivenessOptions): string[] {
  const timing =
    result.stoppedAt === 'after-healthy'
      ? `their last heartbeats were set once Muster answered /api/health (Muster up ${fmt(result.startupMs)} ms after spawn), so every crossing happened under a running scanner`
      : `PGlite cannot be shared between processes, so their last heartbeats were set just before Muster started (healthy ${fmt(result.startupMs)} ms after spawn); ` +
        `${fmt(result.crossedBeforeHealthy)} crossed before it was healthy` +
        (result.delaysAfterHealthy
          ? `; delays of the ${fmt(result.stopped - result.crossedBeforeHealthy)} that crossed afterwards: min ${fmt(result.delaysAfterHealthy.min)}, p50 ${fmt(result.delaysAfterHealthy.p50)}, p99 ${fmt(result.delaysAfterHealthy.p99)}, max ${fmt(result.delaysAfterHealthy.max)} ms`
          : '');
  const lines = [
    `Stopped systems crossed the ${TIMEOUT_MINUTES}-minute threshold ${CROSS_FROM_S}-${CROSS_TO_S} s after being stopped, evenly spread; ${timing}.`,
    `Detection delay = recorded_at - occurred_at of the inactive events; recorded_at is the scan's start time, occurred_at the threshold crossed ` +
      `(equal to last_heartbeat + ${TIMEOUT_MINUTES} min within ${fmt(result.occurredMismatchMaxMs, 3)} ms; Muster computes both with millisecond JavaScript dates).`,
    result.timedOut
      ? `Timed out after ${options.detectTimeoutSeconds} s with ${fmt(result.inactiveEvents)} inactive events.`
      : `All ${fmt(result.stopped)} recorded ${fmt(result.detectedAfterS, 1)} s after they were stopped (polled every ${result.db === 'postgres' ? '250 ms with SQL' : '500 ms through GET /api/v1/systems?status=inactive'}).`,
    `Events: ${fmt(result.inactiveEvents)} active→inactive for ${fmt(result.distinctInactive)} systems, ${fmt(result.inactiveOutsideStopped)} for systems that kept beating; ` +
      `other transitions: ${Object.keys(result.otherEvents).length ? JSON.stringify(result.otherEvents) : 'none'}; at most ${result.maxEventsPerSystem} event(s) per system. ` +
      `Statuses afterwards: ${Object.entries(result.statusCounts)
        .map(([status, n]) => `${status} ${fmt(n)}`)
        .join(', ')}.`,
    `Muster RSS at the end: ${mib(result.rss)} (process_resident_memory_bytes); kernel VmHWM ${mib(result.vmHwm)}. ` +
      `That GET /metrics took ${fmt(result.metricsScrapeMs)} ms (it counts systems by status over the whole fleet); muster_liveness_transitions_total{to="inactive"} = ${fmt(result.transitionsCounter)}.`,
    `Database size with the fleet: ${mib(result.dbSize)}. ` +
      (options.analyze
        ? result.db === 'postgres'
          ? 'Statistics refreshed (ANALYZE) after the bulk insert, as autovacuum would have done on a long-running PostgreSQL.'
          : 'Statistics refreshed (ANALYZE) after the bulk insert; on PGlite Muster also runs VACUUM (ANALYZE) at start and every EMBEDDED_MAINTENANCE_MINUTES.'
        : "No ANALYZE after the bulk insert (--no-analyze): the planner had no statistics until Muster's own maintenance (PGlite) or autovacuum (PostgreSQL) ran."),
    `Phases: ${result.phases.map((entry) => `${entry.name} ${fmt(entry.seconds, 1)} s`).join('; ')}.`,
    `SIGTERM: Muster exited with code ${result.exit.code}${result.exit.signal ? ` (signal ${result.exit.signal})` : ''} after ${fmt(result.exit.ms)} ms ` +
      `(first start, for migrations: code ${result.firstExit.code}).`,
  ];
  if (result.logProblems.length) {
    lines.push(`Muster logged ${result.logProblems.length} warning/error lines, first: \`${result.logProblems[0]!.slice(0, 300)}\``);
  }
  return lines;
}
