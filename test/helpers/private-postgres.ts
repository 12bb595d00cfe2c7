import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync, rmSync } from 'node:fs';
import { chown, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';

/**
 * A throw-away PostgreSQL cluster of the test's own, for tests that stop, kill or restart the
 * server: Debian's binaries (`/usr/lib/postgresql/<version>/bin`, the newest), a temporary
 * directory, a free loopback port, trust authentication for `postgres`. It never touches the
 * machine's own cluster. PostgreSQL refuses to run as root, so when the tests run as root the
 * binaries run as the `postgres` user, who owns the temporary directory.
 */
export interface PrivatePostgres {
  port: number;
  /** The cluster's `postgres` database. */
  url: string;
  /** A connection string for database `name` of this cluster. */
  urlOf(name: string): string;
  readonly running: boolean;
  /** Creates database `name` (the cluster must be running); resolves to its connection string. */
  createDatabase(name: string): Promise<string>;
  /** Starts the server on the same port and directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** `fast` ends sessions and checkpoints; `immediate` ends the server as a crash would (recovery at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** The tail of the server's log, for failure messages. */
  logs(): string;
  /** Stops the server and removes its directory. Safe to call more than once. */
  dispose(): Promise<void>;
}

const POSTGRES_ROOT = '/usr/lib/postgresql';
const START_TIMEOUT_SECONDS = 30;
const run = promisify(execFile);

/** The newest `/usr/lib/postgresql/<version>/bin` holding initdb and pg_ctl. */
function findBinDir(): string | undefined {
  let versions: string[];
  try {
    versions = readdirSync(POSTGRES_ROOT);
  } catch {
    return undefined;
  }
  const usable = versions
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => path.join(POSTGRES_ROOT, version, 'bin'))
    .filter((bin) => ['initdb', 'pg_ctl', 'postgres'].every((name) => isExecutable(path.join(bin, name))));
  return usable[0];
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const runsAsRoot = process.getuid?.() === 0;

const missingMessage = `no PostgreSQL server binaries under ${POSTGRES_ROOT}/<version>/bin (initdb, pg_ctl); install Debian's postgresql package`;

/**
 * Whether tests needing a private cluster can run. Outside CI missing binaries mean "skip";
 * with CI=true it throws, so the suite cannot silently lose these tests.
 */
export function privatePostgresAvailable(): boolean {
  if (findBinDir() && (!runsAsRoot || userExists('postgres'))) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${missingMessage}${runsAsRoot ? ' (and a postgres user to run it as)' : ''}`);
  return false;
}

function userExists(name: string): boolean {
  return spawnSync('id', ['-u', name]).status === 0;
}

/**
 * Clusters still running when the test process exits or is told to (a failed or cancelled test):
 * stopped and removed then, since a server left behind would run on for good.
 */
const live = new Map<string, () => void>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const cleanUpAll = () => {
    for (const cleanUp of live.values()) cleanUp();
    live.clear();
  };
  process.once('exit', cleanUpAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUpAll();
      // Then what the signal would have done without this handler.
      process.kill(process.pid, signal);
    });
  }
}

/** Creates and starts a cluster; `settings` are extra `postgres -c` parameters. */
export async function startPrivatePostgres(settings: Record<string, string> = {}): Promise<PrivatePostgres> {
  const bin = findBinDir();
  if (!bin) throw new Error(missingMessage);
  const dir = await mkdtemp(path.join(tmpdir(), 'muster-postgres-'));
  if (runsAsRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    await chown(dir, uid, gid);
  }
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  // As argv, never through a shell; `runuser` switches to the postgres user when we are root.
  const command = (name: string, args: string[]): [string, string[]] =>
    runsAsRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, name), ...args]] : [path.join(bin, name), args];
  const exec = async (name: string, args: string[]) => {
    const [file, argv] = command(name, args);
    try {
      await run(file, argv, { cwd: dir, timeout: (START_TIMEOUT_SECONDS + 10) * 1000 });
    } catch (error) {
      const failure = error as { stderr?: string; message: string };
      throw new Error(`${name} ${args.join(' ')} failed: ${failure.stderr || failure.message}\n${tail()}`, { cause: error });
    }
  };
  const tail = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-8000);
    } catch {
      return '';
    }
  };
  const removeDir = () => rmSync(dir, { recursive: true, force: true });

  let port = await freePort();
  let running = false;
  const options = () =>
    [
      `-p ${port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${dir}`,
      ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ');

  try {
    await exec('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  } catch (error) {
    removeDir();
    throw error;
  }
  live.set(dir, () => {
    const [file, argv] = command('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
    if (running) spawnSync(file, argv, { cwd: dir, timeout: 20_000 });
    removeDir();
  });
  installExitHook();

  const start = async () => {
    await exec('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_SECONDS), '-o', options()]);
    running = true;
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    await exec('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', String(START_TIMEOUT_SECONDS)]);
    running = false;
  };
  const urlOf = (name: string) => `postgres://postgres@127.0.0.1:${port}/${name}`;

  // Another process can take the port between the probe and the server's bind: try another one.
  for (let attempt = 0; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      if (attempt >= 2 || !/could not (bind|create listen)/i.test(tail())) {
        live.get(dir)?.();
        live.delete(dir);
        throw error;
      }
      port = await freePort();
    }
  }

  let disposed: Promise<void> | undefined;
  return {
    port,
    url: urlOf('postgres'),
    urlOf,
    get running() {
      return running;
    },
    async createDatabase(name: string) {
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    start,
    stop,
    logs: tail,
    dispose: () =>
      (disposed ??= (async () => {
        try {
          await stop('immediate');
        } finally {
          live.delete(dir);
          removeDir();
        }
      })()),
  };
}
