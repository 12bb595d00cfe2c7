import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`, 0.25 on bookworm; `.ci/run` installs
 * it) for tests, on a random loopback port with the cluster listener disabled, a temporary
 * config and a temporary storage path. See docs/research/alertmanager-api-v2.md for its API.
 */
export interface TestAlertmanager {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`; the API is under `/api/v2`. */
  url: string;
  /** Kills the process and removes its temporary directory. Safe to call more than once. */
  stop(): Promise<void>;
  /** What the process has written to stdout/stderr so far (the tail), for failure messages. */
  logs(): string;
}

export interface AlertmanagerOptions {
  /** The config's `route` (default: receiver `null`, group_wait/group_interval 1s). */
  route?: object;
  /** The config's `receivers` (default: one receiver `null` without integrations). */
  receivers?: object[];
}

const CANDIDATES = ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager'];
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 16_000;

/** The binary: `ALERTMANAGER_BIN` if set, else the first executable of the usual paths. */
function findBinary(): string | undefined {
  const candidates = process.env.ALERTMANAGER_BIN ? [process.env.ALERTMANAGER_BIN] : CANDIDATES;
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const missingMessage = `no Alertmanager binary (looked for ${process.env.ALERTMANAGER_BIN ?? CANDIDATES.join(', ')}); install Debian's prometheus-alertmanager or set ALERTMANAGER_BIN`;

/**
 * Whether the Alertmanager tests can run. Outside CI a missing binary means "skip"; with
 * CI=true it throws, so the suite cannot silently lose these tests.
 */
export function alertmanagerAvailable(): boolean {
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

/** Starts Alertmanager and resolves once `GET /-/ready` answers 200 (throws after 20 s). */
export async function startAlertmanager(options: AlertmanagerOptions = {}): Promise<TestAlertmanager> {
  const binary = findBinary();
  if (!binary) throw new Error(missingMessage);
  const config = {
    route: options.route ?? { receiver: 'null', group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: options.receivers ?? [{ name: 'null' }],
  };
  // Another process can take the port between our probe and Alertmanager's bind: retry then.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, config);
    } catch (error) {
      lastError = error;
      if (!(error instanceof Error && /address already in use/.test(error.message))) throw error;
    }
  }
  throw lastError;
}

async function startOnce(binary: string, config: object): Promise<TestAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-alertmanager-'));
  // JSON is YAML, which is what Alertmanager reads.
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  let output = '';
  const child = spawn(
    binary,
    [`--config.file=${configFile}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
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
      throw new Error(`Alertmanager exited before it was ready (${spawnError?.message ?? `code ${child.exitCode ?? child.signalCode}`}):\n${output}`);
    }
    // Only once it has logged its own bind: a process that took the port in between could answer too.
    if (new RegExp(`Listening on.*address=127\\.0\\.0\\.1:${port}\\b`).test(output) && (await isReady(url))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager not ready on ${url} after ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, stop, logs: () => output };
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
