import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/**
 * A daemon of the Prometheus family (Debian's `prometheus`, `prometheus-alertmanager`) for
 * tests: found on the usual paths or through an environment variable, started on a random
 * loopback port in a temporary directory, ready once it logged its own bind and `/-/ready`
 * answers 200; killed and its directory removed on stop, or when the test process exits.
 */
export interface DaemonSpec {
  /** As messages name it: `Alertmanager`. */
  name: string;
  /** The environment variable that names the binary, and where it is looked for otherwise. */
  binaryVariable: string;
  candidates: readonly string[];
  /** What to install when it is missing: `Debian's prometheus-alertmanager`. */
  package: string;
  tempPrefix: string;
  readyTimeoutMs: number;
  /** Writes what the daemon needs into `dir` and answers its arguments for `port`. */
  prepare(dir: string, port: number): Promise<string[]>;
}

export interface RunningDaemon {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Kills the process and removes its temporary directory. Safe to call more than once. */
  stop(): Promise<void>;
  /** What the process has written to stdout/stderr so far (the tail), for failure messages. */
  logs(): string;
}

const STOP_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 16_000;

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

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export function prometheusFamilyDaemon(spec: DaemonSpec) {
  const findBinary = (): string | undefined => {
    const candidates = process.env[spec.binaryVariable] ? [process.env[spec.binaryVariable]!] : spec.candidates;
    return candidates.find((path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  };
  const missingMessage = `no ${spec.name} binary (looked for ${process.env[spec.binaryVariable] ?? spec.candidates.join(', ')}); install ${spec.package} or set ${spec.binaryVariable}`;

  async function startOnce(binary: string): Promise<RunningDaemon> {
    const dir = await mkdtemp(join(tmpdir(), spec.tempPrefix));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let output = '';
    const child = spawn(binary, await spec.prepare(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
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

    const deadline = Date.now() + spec.readyTimeoutMs;
    for (;;) {
      if (spawnError || closed) {
        await stop();
        throw new Error(`${spec.name} exited before it was ready (${spawnError?.message ?? `code ${child.exitCode ?? child.signalCode}`}):\n${output}`);
      }
      // Only once it has logged its own bind: a process that took the port in between could answer too.
      if (new RegExp(`Listening on.*address=127\\.0\\.0\\.1:${port}\\b`).test(output) && (await isReady(url))) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`${spec.name} not ready on ${url} after ${spec.readyTimeoutMs} ms:\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { url, stop, logs: () => output };
  }

  return {
    /** Whether its tests can run. Outside CI a missing binary means "skip"; with CI=true it throws, so the suite cannot silently lose them. */
    available(): boolean {
      if (findBinary()) return true;
      if (process.env.CI === 'true') throw new Error(`CI=true but ${missingMessage}`);
      return false;
    },

    async start(): Promise<RunningDaemon> {
      const binary = findBinary();
      if (!binary) throw new Error(missingMessage);
      // Another process can take the port between our probe and the daemon's bind: retry then.
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
    },
  };
}
