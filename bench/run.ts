/**
 * Benchmarks entry point:
 *
 *   node bench/run.ts heartbeat|heartbeat-daemon|monitoring|host-inventory|liveness|inventory|backups|dashboard|memory|agent|all [--db pglite|postgres|both] [options]
 *
 * heartbeat-daemon: --components N (50,000 on PostgreSQL, 20,000 on PGlite) --period S (3) --connections N (256)
 *            --duration S (60) --warmup S (10) --stop-every N (100); db default both
 * monitoring: --servers N (2000) --large-servers N (500) --connections N (256) --duration S (20) --warmup S (10) --rate N (7000; 0: no paced phase)
 *            --history-systems N (1000) --queries N (100); db default both
 * host-inventory: --hosts N (100,000 on PostgreSQL, 20,000 on PGlite) --queries N (100); db default postgres
 * heartbeat: --systems N (1000) --generator wrk|autocannon (wrk) --connections N (256 with wrk, 64 with autocannon)
 *            --duration S (10) --warmup S (2); db default both
 * inventory: --systems N (200) --connections N (32) --duration S (10) --warmup S (2)
 *            --rounds N (enough for 1,500 requests/s) --drain-timeout S (240); db default both
 * dashboard: --systems N (10000) --registered N (1000) --repeats N (100); db default both
 * memory:    --inventories N (105) --keys N (440000) --connections N (4) --idle S (20); db default both
 * agent:     --minutes N (10): the built muster-agent at its default intervals against a PGlite Muster
 * liveness:  --fleet N (1,000,000 on PostgreSQL, 100,000 on PGlite) --stopped N (1000)
 *            --scan-interval MS (500) --detect-timeout S (120) --no-analyze; db default postgres
 *
 * PostgreSQL is reached at postgres://postgres@127.0.0.1:5432 (BENCH_POSTGRES_URL to change),
 * where each run creates and drops a muster_bench_<random> database. Results are printed and
 * written to BENCHMARKS.md at the repository root. BENCH_MUSTER_NODE_OPTIONS is handed to the
 * Muster children as NODE_OPTIONS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/muster-prof"), and
 * BENCH_MUSTER_ENV="NAME=value NAME=value" sets Muster settings for the run.
 */
import { parseArgs } from 'node:util';
import { runHeartbeatBench } from './heartbeat-bench.ts';
import { runHeartbeatDaemonBench } from './heartbeat-daemon-bench.ts';
import { runMonitoringBench } from './monitoring-bench.ts';
import { runHostInventoryBench } from './host-inventory-bench.ts';
import { runAgentBench } from './agent-bench.ts';
import { runBackupsBench } from './backups-bench.ts';
import { runDashboardBench } from './dashboard-bench.ts';
import { runInventoryBench } from './inventory-bench.ts';
import { runMemoryBench } from './memory-bench.ts';
import { type DbKind, progress } from './lib/basics.ts';
import { runAllCleanups } from './lib/cleanups.ts';
import { runLivenessBench } from './liveness-bench.ts';

const USAGE = `usage: node bench/run.ts heartbeat|heartbeat-daemon|monitoring|host-inventory|liveness|inventory|backups|dashboard|memory|agent|all [--db pglite|postgres|both]
  heartbeat-daemon: [--components 50000 (PGlite: 20000)] [--period 3] [--connections 256] [--duration 60] [--warmup 10] [--stop-every 100]
  monitoring: [--servers 2000] [--large-servers 500] [--connections 256] [--duration 20] [--warmup 10] [--rate 7000] [--history-systems 1000] [--queries 100]
  host-inventory: [--hosts 100000 (PGlite: 20000)] [--queries 100] (db default postgres)
  heartbeat: [--systems 1000] [--generator wrk|autocannon] [--connections 256 (autocannon: 64)] [--duration 10] [--warmup 2]
  backups:   [--size-mib 1024]
  dashboard: [--systems 10000] [--registered 1000] [--repeats 100]
  memory:    [--inventories 105] [--keys 440000] [--connections 4] [--idle 20]
  inventory: [--systems 200] [--connections 32] [--duration 10] [--warmup 2] [--rounds N] [--drain-timeout 240]
  agent:     [--minutes 10]
  liveness:  [--fleet 1000000 (PGlite: 100000)] [--stopped 1000] [--scan-interval 500] [--detect-timeout 120] [--no-analyze]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function integer(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isInteger(value) || value < min || value > max) fail(`--${name} must be an integer between ${min} and ${max}, got '${raw}'`);
  return value;
}

function databases(raw: string | undefined, fallback: DbKind[]): DbKind[] {
  if (raw === undefined) return fallback;
  if (raw === 'both') return ['pglite', 'postgres'];
  if (raw === 'pglite' || raw === 'postgres') return [raw];
  fail(`--db must be pglite, postgres or both, got '${raw}'`);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        systems: { type: 'string' },
        connections: { type: 'string' },
        generator: { type: 'string' },
        duration: { type: 'string' },
        warmup: { type: 'string' },
        rate: { type: 'string' },
        hosts: { type: 'string' },
        fleet: { type: 'string' },
        stopped: { type: 'string' },
        'scan-interval': { type: 'string' },
        'detect-timeout': { type: 'string' },
        'no-analyze': { type: 'boolean' },
        rounds: { type: 'string' },
        'size-mib': { type: 'string' },
        registered: { type: 'string' },
        repeats: { type: 'string' },
        'drain-timeout': { type: 'string' },
        inventories: { type: 'string' },
        keys: { type: 'string' },
        idle: { type: 'string' },
        components: { type: 'string' },
        period: { type: 'string' },
        'stop-every': { type: 'string' },
        servers: { type: 'string' },
        'large-servers': { type: 'string' },
        'history-systems': { type: 'string' },
        queries: { type: 'string' },
        minutes: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const which = positionals[0];
  if (
    positionals.length !== 1 ||
    (which !== 'heartbeat' &&
      which !== 'heartbeat-daemon' &&
      which !== 'monitoring' &&
      which !== 'host-inventory' &&
      which !== 'liveness' &&
      which !== 'inventory' &&
      which !== 'backups' &&
      which !== 'dashboard' &&
      which !== 'memory' &&
      which !== 'agent' &&
      which !== 'all')
  )
    fail('name one benchmark');

  if (which === 'heartbeat' || which === 'all') {
    const generator = values.generator ?? 'wrk';
    if (generator !== 'wrk' && generator !== 'autocannon') fail(`--generator must be wrk or autocannon, got '${generator}'`);
    await runHeartbeatBench({
      dbs: databases(values.db, ['pglite', 'postgres']),
      generator,
      systems: integer(values.systems, 'systems', 1000, 1, 1_000_000),
      connections: integer(values.connections, 'connections', generator === 'wrk' ? 256 : 64, 1, 10_000),
      durationSeconds: integer(values.duration, 'duration', 10, 1, 3600),
      warmupSeconds: integer(values.warmup, 'warmup', 2, 0, 600),
    });
  }
  if (which === 'heartbeat-daemon' || which === 'all') {
    const components =
      values.components === undefined
        ? {}
        : { pglite: integer(values.components, 'components', 0, 1, 1_000_000), postgres: integer(values.components, 'components', 0, 1, 1_000_000) };
    await runHeartbeatDaemonBench({
      dbs: databases(values.db, ['pglite', 'postgres']),
      components,
      periodSeconds: integer(values.period, 'period', 3, 1, 600),
      connections: integer(values.connections, 'connections', 256, 1, 10_000),
      durationSeconds: integer(values.duration, 'duration', 60, 1, 3600),
      warmupSeconds: integer(values.warmup, 'warmup', 10, 1, 600),
      stopEvery: integer(values['stop-every'], 'stop-every', 100, 2, 1_000_000),
    });
  }
  if (which === 'monitoring' || which === 'all') {
    await runMonitoringBench({
      dbs: databases(values.db, ['pglite', 'postgres']),
      servers: integer(values.servers, 'servers', 2000, 1, 1_000_000),
      largeServers: integer(values['large-servers'], 'large-servers', 500, 1, 1_000_000),
      connections: integer(values.connections, 'connections', 256, 1, 10_000),
      durationSeconds: integer(values.duration, 'duration', 20, 1, 3600),
      warmupSeconds: integer(values.warmup, 'warmup', 10, 1, 600),
      ratePerSecond: values.rate === undefined ? 7000 : integer(values.rate, 'rate', 0, 0, 1_000_000),
      historySystems: integer(values['history-systems'], 'history-systems', 1000, 1, 100_000),
      queries: integer(values.queries, 'queries', 100, 1, 100_000),
    });
  }
  if (which === 'host-inventory' || which === 'all') {
    await runHostInventoryBench({
      dbs: databases(values.db, ['postgres']),
      hosts:
        values.hosts === undefined
          ? { pglite: 20_000, postgres: 100_000 }
          : { pglite: integer(values.hosts, 'hosts', 0, 1, 10_000_000), postgres: integer(values.hosts, 'hosts', 0, 1, 10_000_000) },
      queries: integer(values.queries, 'queries', 100, 1, 100_000),
    });
  }
  if (which === 'liveness' || which === 'all') {
    const fleet = values.fleet === undefined ? undefined : integer(values.fleet, 'fleet', 0, 1, 50_000_000);
    const stopped = integer(values.stopped, 'stopped', 1000, 1, 1_000_000);
    if (fleet !== undefined && stopped > fleet) fail('--stopped cannot exceed --fleet');
    await runLivenessBench({
      dbs: databases(values.db, ['postgres']),
      fleet,
      stopped,
      scanIntervalMs: integer(values['scan-interval'], 'scan-interval', 500, 50, 60_000),
      detectTimeoutSeconds: integer(values['detect-timeout'], 'detect-timeout', 120, 1, 3600),
      analyze: !values['no-analyze'],
    });
  }
  if (which === 'backups' || which === 'all') {
    await runBackupsBench({ sizeMiB: integer(values['size-mib'], 'size-mib', 1024, 1, 16_384) });
  }
  if (which === 'dashboard' || which === 'all') {
    const systems = integer(values.systems, 'systems', 10_000, 1, 1_000_000);
    await runDashboardBench({
      dbs: databases(values.db, ['pglite', 'postgres']),
      systems,
      registered: Math.min(systems, integer(values.registered, 'registered', 1000, 0, 1_000_000)),
      repeats: integer(values.repeats, 'repeats', 100, 1, 10_000),
    });
  }
  if (which === 'memory' || which === 'all') {
    await runMemoryBench({
      dbs: databases(values.db, ['pglite', 'postgres']),
      inventories: integer(values.inventories, 'inventories', 105, 1, 100_000),
      keys: integer(values.keys, 'keys', 440_000, 1, 10_000_000),
      connections: integer(values.connections, 'connections', 4, 1, 1000),
      idleSeconds: integer(values.idle, 'idle', 20, 0, 3600),
    });
  }
  if (which === 'agent' || which === 'all') {
    await runAgentBench({ minutes: integer(values.minutes, 'minutes', 10, 1, 24 * 60) });
  }
  if (which === 'inventory' || which === 'all') {
    await runInventoryBench({
      dbs: databases(values.db, ['pglite', 'postgres']),
      systems: integer(values.systems, 'systems', 200, 1, 100_000),
      connections: integer(values.connections, 'connections', 32, 1, 10_000),
      durationSeconds: integer(values.duration, 'duration', 10, 1, 3600),
      warmupSeconds: integer(values.warmup, 'warmup', 2, 1, 600),
      rounds: values.rounds === undefined ? undefined : integer(values.rounds, 'rounds', 0, 2, 100_000),
      drainTimeoutSeconds: integer(values['drain-timeout'], 'drain-timeout', 240, 1, 3600),
    });
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress(`${signal}: stopping children and dropping scratch databases`);
    void runAllCleanups().finally(() => process.exit(130));
  });
}

try {
  await main();
  await runAllCleanups();
} catch (error) {
  console.error('\nbenchmark failed:', error);
  await runAllCleanups();
  process.exitCode = 1;
}
