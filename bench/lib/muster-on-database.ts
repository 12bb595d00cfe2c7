/** One way for a benchmark to stand Muster up on PGlite or on a scratch PostgreSQL database. */
import os from 'node:os';
import { DB_LABEL, type DbKind, progress } from './basics.ts';
import { createScratchDatabase, postgresReachable, postgresServerVersion, type ScratchDatabase } from './postgres.ts';
import { logProblems, makeTempDir, type MusterOptions, type MusterProcess, startMuster } from './processes.ts';

/** Where a benchmark's Muster keeps its data: a fresh DATA_DIR, and on PostgreSQL a scratch database. */
export interface BenchDatabase {
  db: DbKind;
  label: string;
  dataDir: string;
  scratch: ScratchDatabase | undefined;
  postgresVersion: string | undefined;
  /** The machine's load average before the benchmark began, for the report. */
  loadBefore: string;
}

/**
 * True, having said so on stdout, when `db` is PostgreSQL and its server does not answer: the
 * benchmark then goes on with its other databases.
 */
export async function postgresSkipped(db: DbKind, benchmark: string): Promise<boolean> {
  if (db !== 'postgres') return false;
  const problem = await postgresReachable();
  if (problem) console.log(`\n${benchmark} benchmark: PostgreSQL skipped, the server does not answer (${problem}).`);
  return problem !== undefined;
}

/** A fresh DATA_DIR named `${tempPrefix}…` and, on PostgreSQL, a scratch database; both removed at clean-up. */
export async function prepareDatabase(db: DbKind, tempPrefix: string): Promise<BenchDatabase> {
  const label = DB_LABEL[db];
  const loadBefore = os
    .loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
  const dataDir = await makeTempDir(tempPrefix);
  const scratch = db === 'postgres' ? await createScratchDatabase() : undefined;
  const postgresVersion = db === 'postgres' ? await postgresServerVersion() : undefined;
  if (scratch) progress(`${label}: scratch database ${scratch.name}`);
  return { db, label, dataDir, scratch, postgresVersion, loadBefore };
}

/** Starts Muster on `target` (labelled `muster (PGlite)` and the like unless `label` says otherwise). */
export function startMusterOn(target: BenchDatabase, options: Pick<MusterOptions, 'env' | 'label'> = {}): Promise<MusterProcess> {
  return startMuster({ dataDir: target.dataDir, databaseUrl: target.scratch?.url, env: options.env, label: options.label ?? `muster (${target.label})` });
}

/** What every benchmark's report tells of the Muster it ran. */
export interface MusterRunFacts {
  startupMs: number;
  setupSeconds: number;
  exit: { code: number | null; signal: NodeJS.Signals | null; ms: number };
  nodeVersion: string;
  postgresVersion?: string | undefined;
  logProblems: string[];
  loadBefore: string;
}

/** Those facts, once Muster has exited with `exit`, its fleet having taken `setupSeconds` to set up. */
export function musterRunFacts(target: BenchDatabase, muster: MusterProcess, exit: MusterRunFacts['exit'], setupSeconds: number): MusterRunFacts {
  return {
    startupMs: muster.startupMs,
    setupSeconds,
    exit,
    nodeVersion: muster.health.data.node_version,
    postgresVersion: target.postgresVersion,
    logProblems: logProblems(muster),
    loadBefore: target.loadBefore,
  };
}
