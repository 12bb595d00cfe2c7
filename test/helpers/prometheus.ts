import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/**
 * A real Prometheus (Debian's `prometheus`, 2.42 on bookworm; `.ci/run` installs it) for tests,
 * with the remote-write receiver on (`POST /api/v1/write`), an empty config (it scrapes
 * nothing), a temporary TSDB, on a random loopback port. Query it through `/api/v1/query`.
 */
export interface TestPrometheus {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Where remote write goes: `${url}/api/v1/write`. */
  remoteWriteUrl: string;
  /** Kills the process and removes its temporary directory. Safe to call more than once. */
  stop(): Promise<void>;
  /** What the process has written to stdout/stderr so far (the tail), for failure messages. */
  logs(): string;
}

const CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 16_000;

/** The binary: `PROMETHEUS_BIN` if set, else the first executable of the usual paths. */
function findBinary(): string | undefined {
  const candidates = process.env.PROMETHEUS_BIN ? [process.env.PROMETHEUS_BIN] : CANDIDATES;
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missingMessage = `no Prometheus binary (looked for ${process.env.PROMETHEUS_BIN ?? CANDIDATES.join(', ')}); install Debian's prometheus or set PROMETHEUS_BIN`;

/**
 * Whether the Prometheus tests can run. Outside CI a missing binary means "skip"; with CI=true
 * it throws, so the suite cannot silently lose these tests.
 */
export function prometheusAvailable(): boolean {
  if (findBinary()) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${missingMessage}`);
  return false;
}

/** Processes still running (and their directories), killed and removed if the test process exits without stopping them. */
const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, dir] of running) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Starts Prometheus and resolves once `GET /-/ready` answers 200 (throws after 30 s). */
export async function startPrometheus(): Promise<TestPrometheus> {
  const binary = findBinary();
  if (!binary) throw new Error(missingMessage);
  // Another process can take the port between our probe and Prometheus's bind: retry then.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary);
    } catch (error) {
      lastError = error;
      if (!(error instanceof Error && /address already in use/.test(error.message))) throw error;
    }
  }
  throw lastError;
}

async function startOnce(binary: string): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, '');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  let output = '';
  const child = spawn(
    binary,
    [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.set(child, dir);
  installExitHook();
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  // 'close' comes after 'exit' and after the output streams have ended, so `output` is complete.
  let closed = false;
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      closed = true;
      running.delete(child);
      resolve();
    });
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (!closed && !spawnError) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (spawnError || closed) {
      await stop();
      throw new Error(`Prometheus exited before it was ready (${spawnError?.message ?? `code ${child.exitCode ?? child.signalCode}`}):\n${output}`);
    }
    // Only once it has logged its own bind: a process that took the port in between could answer too.
    if (new RegExp(`Listening on.*address=127\\.0\\.0\\.1:${port}\\b`).test(output) && (await isReady(url))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Prometheus not ready on ${url} after ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, remoteWriteUrl: `${url}/api/v1/write`, stop, logs: () => output };
}

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
