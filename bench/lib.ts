/**
 * Shared plumbing for the benchmarks: child processes (Muster, the bare HTTP server), free
 * ports, scratch PostgreSQL databases, Prometheus text parsing, statistics, and BENCHMARKS.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
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

// ---------------------------------------------------------------------------------------------
// Clean-up: children and scratch databases are released on normal exit, errors and Ctrl-C.

const cleanups: (() => Promise<void>)[] = [];

/** Registers an undo action; returns a function that runs it now (and only once). */
export function onCleanup(action: () => Promise<void>): () => Promise<void> {
  let done = false;
  const run = async () => {
    if (done) return;
    done = true;
    const index = cleanups.indexOf(run);
    if (index >= 0) cleanups.splice(index, 1);
    await action();
  };
  cleanups.push(run);
  return run;
}

export async function runAllCleanups(): Promise<void> {
  while (cleanups.length) {
    const run = cleanups.at(-1)!;
    await run().catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
  }
}

// ---------------------------------------------------------------------------------------------
// Processes and ports

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A child process whose output is kept (the last lines) for the report. */
export interface Child {
  process: ChildProcess;
  pid: number;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits (SIGKILL after `timeoutMs`); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

export function spawnNode(script: string, env: Record<string, string>, label: string): Child {
  const child = spawn(NODE_BIN, [script], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${label}: could not start ${NODE_BIN} ${script}`);
  const pid = child.pid;
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      output.push(line);
      if (output.length > 500) output.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let running = true;
  void exited.then(() => (running = false));

  const stop = async (timeoutMs = 15_000) => {
    const started = performance.now();
    if (running) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running) {
          progress(`${label} did not exit within ${timeoutMs} ms of SIGTERM; sending SIGKILL`);
          child.kill('SIGKILL');
        }
      }, timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return { ...result, ms: performance.now() - started };
    }
    return { ...(await exited), ms: 0 };
  };
  const release = onCleanup(async () => {
    await stop(5_000);
  });
  return {
    process: child,
    pid,
    output,
    exited,
    async stop(timeoutMs?: number) {
      const result = await stop(timeoutMs);
      await release();
      return result;
    },
  };
}

/** The environment handed to children: PATH and HOME only, so no stray HEARTBEAT_* or DATABASE_URL leaks in. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export interface MusterProcess extends Child {
  url: string;
  adminToken: string;
  /** Milliseconds from spawn to the first 200 of GET /api/health. */
  startupMs: number;
  health: HealthAnswer;
}

export interface HealthAnswer {
  code: number;
  data: { version: string; node_version: string; database: { driver: string; healthy: boolean } };
}

export interface MusterOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  env?: Record<string, string>;
  adminToken?: string;
  label?: string;
  healthTimeoutMs?: number;
}

export async function startMuster(options: MusterOptions): Promise<MusterProcess> {
  const port = await freePort();
  const adminToken = options.adminToken ?? randomToken(32);
  const env: Record<string, string> = {
    ...baseEnv(),
    LISTEN_ADDRESS: `127.0.0.1:${port}`,
    DATA_DIR: options.dataDir,
    ADMIN_TOKEN: adminToken,
    LOG_LEVEL: 'warn',
    // The whole fleet registers from this one address.
    REGISTER_RATE_LIMIT_PER_MINUTE: '1000000',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    // e.g. BENCH_MUSTER_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile Muster under load.
    ...(process.env.BENCH_MUSTER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_MUSTER_NODE_OPTIONS } : {}),
    // e.g. BENCH_MUSTER_ENV="HEARTBEAT_CONCURRENT_WRITES=8 DATABASE_POOL_SIZE=16" to try Muster settings.
    ...Object.fromEntries(
      (process.env.BENCH_MUSTER_ENV ?? '')
        .split(/\s+/)
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
    ),
    ...options.env,
  };
  const label = options.label ?? 'muster';
  const started = performance.now();
  const child = spawnNode('src/main.ts', env, label);
  const url = `http://127.0.0.1:${port}`;
  const health = await waitForHealth(url, child, options.healthTimeoutMs ?? 60_000, label);
  return { ...child, url, adminToken, startupMs: performance.now() - started, health };
}

async function waitForHealth(url: string, child: Child, timeoutMs: number, label: string): Promise<HealthAnswer> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${label} exited before answering /api/health:\n${child.output.slice(-30).join('\n')}`);
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return (await response.json()) as HealthAnswer;
      await response.body?.cancel();
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${label} did not answer GET /api/health with 200 within ${timeoutMs} ms:\n${child.output.slice(-30).join('\n')}`);
}

// ---------------------------------------------------------------------------------------------
// A fleet of registered systems

export interface Credentials {
  /** The system's id in the management API. */
  id: string;
  systemKey: string;
  secret: string;
}

/**
 * Creates `count` systems through the management API and registers each with its secret, 8 at
 * a time. `describe` gives each one's creation body (default `{"name": "bench-<index>"}`).
 */
export async function createFleet(
  muster: MusterProcess,
  count: number,
  describe: (index: number) => Record<string, unknown> = (index) => ({ name: `bench-${index}` }),
): Promise<Credentials[]> {
  const fleet: Credentials[] = new Array<Credentials>(count);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= count) return;
      const created = await fetch(`${muster.url}/api/v1/systems`, {
        method: 'POST',
        headers: { authorization: `Bearer ${muster.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(describe(index)),
      });
      const system = (await created.json()) as { id?: string; system_key?: string; system_secret?: string };
      if (created.status !== 201 || !system.id || !system.system_secret || !system.system_key) {
        throw new Error(`POST /api/v1/systems answered ${created.status}: ${JSON.stringify(system)}`);
      }
      const registered = await fetch(`${muster.url}/api/systems/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ system_secret: system.system_secret }),
      });
      const answer = (await registered.json()) as { data?: { system_key?: string } };
      if (registered.status !== 200 || answer.data?.system_key !== system.system_key) {
        throw new Error(`POST /api/systems/register answered ${registered.status}: ${JSON.stringify(answer)}`);
      }
      fleet[index] = { id: system.id, systemKey: system.system_key, secret: system.system_secret };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return fleet;
}

/** Muster's log lines at warn or above (it runs with LOG_LEVEL=warn, so that is every JSON line). */
export function logProblems(child: Child): string[] {
  return child.output.filter((line) => {
    try {
      const entry = JSON.parse(line) as { level?: number };
      return (entry.level ?? 0) >= 40;
    } catch {
      return true;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux): CPU time and peak RSS of a child, without asking it.

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of a process, or undefined when /proc is not there. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is the state (field 3); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine spent busy (all cores, not idle or waiting for I/O) since boot. */
export function machineBusySeconds(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user already)
    const busy = ticks.slice(0, 8).reduce((sum, value, i) => (i === 3 || i === 4 ? sum : sum + value), 0);
    return busy / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** A size line of /proc/<pid>/status (VmHWM, VmRSS, …) in bytes, or undefined. */
function statusBytes(pid: number, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** VmHWM (peak resident set size since start) in bytes, or undefined. */
export const peakRssFromProc = (pid: number): number | undefined => statusBytes(pid, 'VmHWM');

/** VmRSS (resident set size now) in bytes, or undefined. */
export const rssFromProc = (pid: number): number | undefined => statusBytes(pid, 'VmRSS');

/**
 * Resident bytes of the process's WebAssembly memories, or undefined. V8 reserves each memory as
 * one anonymous range of 8 GiB or more: the memory's current size readable and writable, the
 * rest inaccessible (its growth room and guard region), two mappings in smaps. Nothing else in a
 * Node process reserves that much, so each inaccessible mapping of over 4 GiB counts the
 * resident pages of the mapping that ends where it begins.
 */
export function wasmResidentFromProc(pid: number): number | undefined {
  try {
    const mappings: { start: number; end: number; inaccessible: boolean; rss: number }[] = [];
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const mapping = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(\S*)/.exec(line);
      if (mapping) mappings.push({ start: Number.parseInt(mapping[1]!, 16), end: Number.parseInt(mapping[2]!, 16), inaccessible: mapping[3] === '---p' && mapping[4] === '', rss: 0 });
      else if (line.startsWith('Rss:') && mappings.length > 0) mappings.at(-1)!.rss = Number(/(\d+)/.exec(line)![1]) * 1024;
    }
    let total = 0;
    mappings.forEach((mapping, index) => {
      const before = mappings[index - 1];
      if (mapping.inaccessible && mapping.end - mapping.start > 4 * 1024 ** 3 && before?.end === mapping.start) total += before.rss;
    });
    return total;
  } catch {
    return undefined;
  }
}

/** CPU seconds of every process whose command name is one of `names` (e.g. `postgres`), summed. */
export function cpuSecondsOfCommand(names: readonly string[]): number | undefined {
  try {
    let total = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      let comm: string;
      try {
        comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      if (names.includes(comm)) total += cpuSeconds(Number(entry)) ?? 0;
    }
    return total;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Prometheus text format

export type Samples = Map<string, number>;

/** `name{labels} value` lines into a map keyed by `name{labels}` exactly as written (and `name` alone). */
export function parsePrometheus(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

export async function scrapeMetrics(url: string): Promise<{ samples: Samples; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const samples = parsePrometheus(await response.text());
  return { samples, ms: performance.now() - started };
}

/** Samples process_resident_memory_bytes every `intervalMs`; stop() returns the peak seen. */
export function sampleRss(url: string, intervalMs = 500) {
  let peak = 0;
  let samples = 0;
  let failures = 0;
  let stopped = false;
  let inFlight: Promise<void> = Promise.resolve();
  const tick = () => {
    inFlight = scrapeMetrics(url).then(
      ({ samples: metrics }) => {
        samples++;
        peak = Math.max(peak, metrics.get('process_resident_memory_bytes') ?? 0);
      },
      () => {
        failures++;
      },
    );
  };
  tick();
  const timer = setInterval(() => {
    if (!stopped) tick();
  }, intervalMs);
  return {
    async stop(): Promise<{ peak: number; samples: number; failures: number }> {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      return { peak, samples, failures };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL scratch databases

/** Whether the PostgreSQL server answers; the error message when it does not. */
export async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface ScratchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Creates `muster_bench_<random>` and registers its DROP for clean-up. */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `muster_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const drop = onCleanup(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  });
  return { name, url: url.toString(), drop };
}

export async function postgresServerVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? '?';
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers

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
    hash.update(file).update('\0').update(readFileSync(path.join(root, file))).update('\0');
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
