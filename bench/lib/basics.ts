/** What every benchmark shares: where the repository and its Node are, database kinds, progress lines. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
/** Every child runs on the project's own Node (the `node` npm package), never the system one. */
export const NODE_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
export const BENCHMARKS_FILE = path.join(REPO_ROOT, 'BENCHMARKS.md');
export const POSTGRES_ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type DbKind = 'pglite' | 'postgres';

export const DB_LABEL: Record<DbKind, string> = { pglite: 'PGlite', postgres: 'PostgreSQL' };

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function randomToken(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/** Logs a progress line to stderr (the tables go to stdout). */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
