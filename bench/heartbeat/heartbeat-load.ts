/** The heartbeat load: wrk or autocannon against a URL, with credentials rotating over the fleet, and the CPU it cost. */
import autocannon from 'autocannon';
import { type Credentials } from '../lib/fleet.ts';
import { cpuSeconds, cpuSecondsOfCommand, machineBusySeconds } from '../lib/proc-readings.ts';
import { percentile } from '../lib/report.ts';
import { basicRequests, runWrk } from '../wrk.ts';
import { HEARTBEAT_PATH, type LoadGenerator } from '../heartbeat-bench.ts';

export interface LoadResult {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCounts: Map<number, number>;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  /** CPU seconds the target used during the run, per wall-clock second (cores kept busy). */
  targetCores: number | undefined;
  /** The same for the load generator. */
  generatorCores: number | undefined;
  /** CPU seconds PostgreSQL's processes used during the run, per wall-clock second (all of the machine's `postgres` processes). */
  postgresCores: number | undefined;
  /** The same for the whole machine (everything, PostgreSQL and other tenants included). */
  machineCores: number | undefined;
}

/** Drives the load with the generator chosen. */
export function drive(
  generator: LoadGenerator,
  url: string,
  fleet: Credentials[],
  connections: number,
  seconds: number,
  targetPid: number,
): Promise<LoadResult> {
  return generator === 'wrk' ? driveWrk(url, fleet, connections, seconds, targetPid) : driveAutocannon(url, fleet, connections, seconds, targetPid);
}

/** wrk, two threads (one per core), each cycling over its own share of the fleet. */
async function driveWrk(url: string, fleet: Credentials[], connections: number, seconds: number, targetPid: number): Promise<LoadResult> {
  const result = await runWrk({
    url,
    requests: basicRequests(HEARTBEAT_PATH, fleet, '{}'),
    connections,
    threads: Math.min(2, connections),
    seconds,
    watch: { target: targetPid, postgres: 'postgres' },
  });
  const ok = result.requests - result.non2xx;
  return {
    requests: result.requests,
    ok,
    non2xx: result.non2xx,
    errors: result.connectErrors + result.readErrors + result.writeErrors,
    timeouts: result.timeouts,
    statusCounts: new Map(),
    seconds: result.seconds,
    perSecond: result.perSecond,
    p50: result.p50,
    p99: result.p99,
    max: result.max,
    targetCores: result.cores.target,
    generatorCores: result.generatorCores,
    postgresCores: result.cores.postgres,
    machineCores: result.machineCores,
  };
}

/** Runs autocannon for `seconds`; every connection walks the whole fleet, starting at its own offset. */
async function driveAutocannon(url: string, fleet: Credentials[], connections: number, seconds: number, targetPid: number): Promise<LoadResult> {
  const requests: autocannon.Request[] = fleet.map((system) => ({
    method: 'POST',
    path: HEARTBEAT_PATH,
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${system.systemKey}:${system.secret}`).toString('base64')}`,
    },
    body: '{}',
  }));
  // Connection i sends systems i, i + C, i + 2C, ... in turn: together the connections cycle
  // over the whole fleet, a system is never in flight twice (an appliance has one connection),
  // and each connection builds only its own few request buffers (building all N per connection
  // would stall the event loop at start-up and inflate the first latencies).
  const slices: autocannon.Request[][] = Array.from({ length: connections }, (_, i) =>
    fleet.length >= connections ? requests.filter((_request, j) => j % connections === i) : [requests[i % fleet.length]!],
  );
  let clientIndex = 0;
  const latencies: number[] = [];
  const statusCounts = new Map<number, number>();
  const cpuBefore = cpuSeconds(targetPid);
  const postgresBefore = cpuSecondsOfCommand(['postgres']);
  const machineBefore = machineBusySeconds();
  const ownBefore = process.cpuUsage();
  const wallBefore = performance.now();

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        requests: slices[0]!,
        setupClient: (client) => client.setRequests(slices[clientIndex++ % connections]!),
      },
      (error: unknown, answer) => (error ? reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error })) : resolve(answer)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statusCounts.set(statusCode, (statusCounts.get(statusCode) ?? 0) + 1);
    });
  });

  const wall = (performance.now() - wallBefore) / 1000;
  const cpuAfter = cpuSeconds(targetPid);
  const postgresAfter = cpuSecondsOfCommand(['postgres']);
  const machineAfter = machineBusySeconds();
  const own = process.cpuUsage(ownBefore);
  latencies.sort((a, b) => a - b);
  const ok = result['2xx'];
  return {
    requests: latencies.length,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    seconds: result.duration,
    perSecond: ok / result.duration,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? NaN,
    targetCores: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / wall : undefined,
    generatorCores: (own.user + own.system) / 1e6 / wall,
    postgresCores: postgresBefore !== undefined && postgresAfter !== undefined ? (postgresAfter - postgresBefore) / wall : undefined,
    machineCores: machineBefore !== undefined && machineAfter !== undefined ? (machineAfter - machineBefore) / wall : undefined,
  };
}
