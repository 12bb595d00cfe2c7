/** The ingest load: pre-generated rounds, walked in order per system, sent by autocannon. */
import autocannon from 'autocannon';
import { createInventoryGenerator } from '../inventory-fixtures/inventory-generator.ts';
import { type Credentials } from '../lib/fleet.ts';
import { type Samples } from '../lib/metrics.ts';
import { cpuSeconds, machineBusySeconds } from '../lib/proc-readings.ts';
import { percentile } from '../lib/report.ts';
import { flavourOf, INVENTORY_PATH } from './inventory-settings.ts';

export interface Bodies {
  /** bodies[system][round]: the JSON text of that round, ready to send. */
  bodies: Buffer[][];
  rounds: number;
  meanBytes: number;
  seconds: number;
}

export function generateBodies(systems: number, rounds: number): Bodies {
  const started = performance.now();
  let bytes = 0;
  const bodies = Array.from({ length: systems }, (_, index) => {
    const generator = createInventoryGenerator({ seed: 1_000 + index, flavour: flavourOf(index) });
    const out: Buffer[] = [];
    let inventory = generator.initial();
    for (let round = 0; round < rounds; round++) {
      if (round > 0) inventory = generator.next(inventory);
      const body = Buffer.from(JSON.stringify(inventory));
      bytes += body.length;
      out.push(body);
    }
    return out;
  });
  return { bodies, rounds, meanBytes: bytes / (systems * rounds), seconds: (performance.now() - started) / 1000 };
}

/**
 * Which round a system sends at its `post`-th request: 0, 1, …, R-1, then back down R-2, …, 0
 * and up again, so consecutive posts of a system are always neighbouring rounds (a real diff of
 * a few changes) even when the run outlasts the generated rounds.
 */
function roundAt(post: number, rounds: number): number {
  if (rounds === 1) return 0;
  const period = 2 * (rounds - 1);
  const phase = post % period;
  return phase < rounds ? phase : period - phase;
}

type Phase = 'warmup' | 'run' | 'done';

/** Requests of one phase, classified by when they were sent; answered ones only. */
export interface PhaseResult {
  requests: number;
  accepted: number;
  non2xx: number;
  statusCounts: Map<number, number>;
  /** From the phase's start to its last answer. */
  seconds: number;
  acceptedPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  warmup: PhaseResult;
  run: PhaseResult;
  /** Connection errors and timeouts over the whole load (autocannon's counts). */
  errors: number;
  timeouts: number;
  /** Inventory posts sent but never answered (a timeout, or still in flight at the safety stop). */
  unanswered: number;
  /** Wall-clock (performance.now()) of the start, the end of the warm-up, and the last inventory answer. */
  startedAt: number;
  runStartedAt: number;
  endedAt: number;
  /** Cores busy during the measured phase: Muster, this process (autocannon), the whole machine. */
  targetCores: number | undefined;
  generatorCores: number;
  machineCores: number | undefined;
}

/** After its last inventory, a connection asks for this (a 404 that touches no database) until every connection is done. */
const IDLE_PATH = '/bench-idle';
/** How long the last inventories may take to be answered before the load is stopped anyway. */
const GRACE_SECONDS = 30;

/**
 * One load: `warmupSeconds` then `runSeconds`. Connection i sends systems i, i + C, i + 2C, …
 * in turn, each request the next round of that system: a system is never in flight twice (an
 * appliance has one connection), so its rounds arrive in order. When the time is up a connection
 * sends no more inventories, and the load stops once each connection has had the answer to its
 * last one, so no inventory is cut off in flight: Muster's 202s are exactly the inventories it
 * stored, and the requests are classified by the phase in which they were sent.
 */
export async function drive(
  url: string,
  fleet: Credentials[],
  data: Bodies,
  posts: Int32Array,
  /** Per system, the receive time (ms) Muster gave the last inventory it accepted: updated from the 202s. */
  lastAccepted: (number | undefined)[],
  connections: number,
  warmupSeconds: number,
  runSeconds: number,
  targetPid: number,
): Promise<LoadResult> {
  const authorization = fleet.map((system) => `Basic ${Buffer.from(`${system.systemKey}:${system.secret}`).toString('base64')}`);
  const phaseOf = (now: number): Phase => (now < runStartsAt ? 'warmup' : now < doneAt ? 'run' : 'done');
  let startedAt = performance.now();
  let runStartsAt = startedAt + warmupSeconds * 1000;
  let doneAt = runStartsAt + runSeconds * 1000;
  /** What each connection has in flight (pipelining 1: the request built last). */
  const inFlight: Phase[] = new Array<Phase>(connections).fill('warmup');
  const clientOf = new Map<autocannon.Client, number>();
  let doneConnections = 0;
  let lastAnswerAt = startedAt;
  let instance: autocannon.Instance | undefined;
  const stats = {
    warmup: { latencies: [] as number[], statusCounts: new Map<number, number>() },
    run: { latencies: [] as number[], statusCounts: new Map<number, number>() },
  };

  const requestFor = (connection: number): autocannon.Request => {
    const mine = fleet.map((_system, index) => index).filter((index) => index % connections === connection);
    let cursor = 0;
    /** The system of the request in flight (pipelining 1), -1 for the idle request. */
    let current = -1;
    return {
      method: 'POST',
      path: INVENTORY_PATH,
      onResponse: (status, body) => {
        if (status !== 202 || current < 0) return;
        const at = Date.parse((JSON.parse(body) as { data: { timestamp: string } }).data.timestamp);
        if (!(at <= (lastAccepted[current] ?? -Infinity))) lastAccepted[current] = at;
      },
      // Called by autocannon for every request it sends on this connection, once the previous one was answered.
      setupRequest: (request) => {
        const phase = phaseOf(performance.now());
        if (phase === 'done') {
          if (inFlight[connection] !== 'done') {
            inFlight[connection] = 'done';
            if (++doneConnections === connections) setImmediate(() => instance?.stop());
          }
          current = -1;
          return { ...request, method: 'GET', path: IDLE_PATH, headers: {}, body: undefined };
        }
        inFlight[connection] = phase;
        const system = mine[cursor++ % mine.length]!;
        current = system;
        const round = roundAt(posts[system]!++, data.rounds);
        return {
          ...request,
          headers: { ...request.headers, 'content-type': 'application/json', authorization: authorization[system] },
          body: data.bodies[system]![round]!,
        };
      },
    };
  };

  let cpuAtRun: { target: number | undefined; machine: number | undefined; own: NodeJS.CpuUsage; at: number } | undefined;
  let cpuAtEnd: { target: number | undefined; machine: number | undefined; own: NodeJS.CpuUsage; at: number } | undefined;
  const snapshot = () => ({ target: cpuSeconds(targetPid), machine: machineBusySeconds(), own: process.cpuUsage(), at: performance.now() });
  let clientIndex = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    startedAt = performance.now();
    runStartsAt = startedAt + warmupSeconds * 1000;
    doneAt = runStartsAt + runSeconds * 1000;
    const timers = [setTimeout(() => (cpuAtRun = snapshot()), runStartsAt - startedAt), setTimeout(() => (cpuAtEnd = snapshot()), doneAt - startedAt)];
    instance = autocannon(
      {
        url,
        connections,
        duration: warmupSeconds + runSeconds + GRACE_SECONDS,
        // Checks for stop() every 100 ms rather than every second.
        sampleInt: 100,
        pipelining: 1,
        timeout: 10,
        // Built once per connection and replaced at once by setupClient: static, so it sends nothing.
        requests: [{ method: 'GET', path: IDLE_PATH }],
        setupClient: (client) => {
          const connection = clientIndex++ % connections;
          clientOf.set(client, connection);
          client.setRequests([requestFor(connection)]);
        },
      },
      (error: unknown, answer) => {
        for (const timer of timers) clearTimeout(timer);
        if (error) reject(error instanceof Error ? error : new Error('autocannon failed', { cause: error }));
        else resolve(answer);
      },
    );
    instance.on('response', (client, statusCode, _bytes, responseTime) => {
      const phase = inFlight[clientOf.get(client) ?? -1];
      if (phase === undefined || phase === 'done') return;
      stats[phase].latencies.push(responseTime);
      stats[phase].statusCounts.set(statusCode, (stats[phase].statusCounts.get(statusCode) ?? 0) + 1);
      lastAnswerAt = performance.now();
    });
  });

  const phaseResult = (phase: 'warmup' | 'run', from: number, to: number): PhaseResult => {
    const { latencies, statusCounts } = stats[phase];
    latencies.sort((a, b) => a - b);
    const accepted = statusCounts.get(202) ?? 0;
    const seconds = Math.max(0.001, (to - from) / 1000);
    return {
      requests: latencies.length,
      accepted,
      non2xx: [...statusCounts].reduce((sum, [code, count]) => (code >= 200 && code < 300 ? sum : sum + count), 0),
      statusCounts,
      seconds,
      acceptedPerSecond: accepted / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? NaN,
    };
  };
  const run = phaseResult('run', runStartsAt, Math.max(doneAt, lastAnswerAt));
  const warmup = phaseResult('warmup', startedAt, runStartsAt);
  const from = cpuAtRun ?? snapshot();
  const to = cpuAtEnd ?? snapshot();
  const wall = Math.max(0.001, (to.at - from.at) / 1000);
  const own = { user: to.own.user - from.own.user, system: to.own.system - from.own.system };
  return {
    warmup,
    run,
    errors: result.errors,
    timeouts: result.timeouts,
    unanswered: inFlight.filter((phase) => phase !== 'done').length + result.timeouts,
    startedAt,
    runStartedAt: runStartsAt,
    endedAt: Math.max(doneAt, lastAnswerAt),
    targetCores: from.target !== undefined && to.target !== undefined ? (to.target - from.target) / wall : undefined,
    generatorCores: (own.user + own.system) / 1e6 / wall,
    machineCores: from.machine !== undefined && to.machine !== undefined ? (to.machine - from.machine) / wall : undefined,
  };
}

/** 202s of POST /api/systems/inventory by Muster's own counter. */
export function accepted202(samples: Samples): number {
  let total = 0;
  for (const [key, value] of samples) {
    if (key.startsWith('muster_http_requests_total{') && key.includes(`route="${INVENTORY_PATH}"`) && key.includes('status_code="202"')) total += value;
  }
  return total;
}
