/** Child processes (Muster, the bare HTTP server), their output, and free ports. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { NODE_BIN, progress, randomToken, REPO_ROOT, sleep } from './basics.ts';
import { onCleanup } from './cleanups.ts';

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
