/** Numbers, where they come from, and BENCHMARKS.md: one section per benchmark and database, replaced in place when re-run. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BENCHMARKS_FILE, type DbKind, REPO_ROOT } from './basics.ts';

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function fmt(value: number | undefined, digits = 0): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined || !Number.isFinite(bytes) || bytes <= 0 ? 'n/a' : `${fmt(bytes / 1024 / 1024, 0)} MiB`;
}

/** A markdown table (also readable as plain text on a terminal). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Where the numbers come from

export interface MachineInfo {
  cpu: string;
  cores: number;
  memory: string;
  platform: string;
  git: string;
}

/**
 * A digest of every file under src/, so a result names the exact code it measured even when
 * src/ has uncommitted changes (or changes while the benchmark runs).
 */
export function srcFingerprint(): string {
  const hash = createHash('sha256');
  const root = path.join(REPO_ROOT, 'src');
  const files = readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
    .sort();
  for (const file of files) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(root, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  let git = 'unknown';
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.slice(3).replace(/^src\//, ''));
    git = changed.length
      ? `${head} + uncommitted changes in src/ (${changed.slice(0, 6).join(', ')}${changed.length > 6 ? `, ${changed.length - 6} more` : ''})`
      : head;
  } catch {
    // not a git checkout
  }
  git += `; src/ fingerprint ${srcFingerprint()}`;
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory: `${fmt(os.totalmem() / 1024 ** 3, 1)} GiB`,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    git,
  };
}

// ---------------------------------------------------------------------------------------------
// BENCHMARKS.md: one section per benchmark and database, replaced in place when re-run.

const FILE_HEADER = `# Muster benchmarks

Measured with \`npm run bench -- heartbeat|liveness|inventory|backups|dashboard|all [--db pglite|postgres|both]\` (see \`bench/run.ts\`).
Each section is rewritten when the same benchmark is run again on the same database; the
others are kept. Load generator, Muster, and PostgreSQL share one machine, so the numbers
describe that machine as a whole, not Muster alone.
`;

export async function writeBenchmarkSection(bench: string, db: DbKind, body: string): Promise<void> {
  const begin = `<!-- bench:${bench}:${db} -->`;
  const end = `<!-- /bench:${bench}:${db} -->`;
  const section = `${begin}\n${body.trim()}\n${end}`;
  let text = existsSync(BENCHMARKS_FILE) ? await readFile(BENCHMARKS_FILE, 'utf8') : FILE_HEADER;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start >= 0 && stop > start) {
    text = text.slice(0, start) + section + text.slice(stop + end.length);
  } else {
    text = `${text.trimEnd()}\n\n${section}\n`;
  }
  await writeFile(BENCHMARKS_FILE, text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * The BENCHMARKS.md line (and a console line) warning that src/ changed while the benchmark ran,
 * when its fingerprint now differs from the one `machine` was read with; no line otherwise.
 */
export function codeChangedWarning(machine: MachineInfo): string[] {
  const fingerprintAfter = srcFingerprint();
  const codeChanged = !machine.git.endsWith(fingerprintAfter)
    ? [`- **Warning: src/ changed while this benchmark ran (fingerprint ${fingerprintAfter} afterwards); the numbers may mix two versions.**`]
    : [];
  if (codeChanged.length) console.log(`\n${codeChanged[0]!.slice(2)}`);
  return codeChanged;
}

/** The date, machine and code lines that open a section of a bench that ran a Muster child. */
export function runPreamble(machine: MachineInfo, facts: { nodeVersion: string; postgresVersion?: string | undefined; loadBefore: string }): string[] {
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ${machine.platform}; Node ${facts.nodeVersion} (Muster child)` +
      `${facts.postgresVersion ? `; PostgreSQL ${facts.postgresVersion} on the same machine` : ''}; load before ${facts.loadBefore}`,
    `- Code: git ${machine.git}`,
    ...codeChangedWarning(machine),
  ];
}
