import type { Sql } from '../../src/db/db.ts';

/**
 * A small, bounded load of appliances for fault tests: one client per system sends heartbeats
 * and inventories in turn to a real Muster over loopback, and everything Muster acknowledged
 * is recorded, so that a test can check afterwards that none of it was lost.
 */
export interface LoadSystem {
  id: string;
  /** The `Authorization: Basic …` header of the system. */
  basic: string;
}

export interface Answer {
  at: number;
  kind: 'heartbeat' | 'inventory';
  /** 0: no answer (connection refused or reset); -1: no answer within the request timeout. */
  status: number;
  retryAfter: string | null;
}

export interface LoadResult {
  /** Per system, the latest `last_heartbeat` Muster acknowledged (ms since the epoch). */
  lastHeartbeat: Map<string, number>;
  /** The `counter` of every inventory Muster acknowledged (each is distinct). */
  inventories: Set<string>;
  heartbeatsAcknowledged: number;
  answers: Answer[];
}

export interface LoadOptions {
  /** Makes counters distinct across loads on one database. */
  tag: string;
  /** The load stops by itself after this long, if not stopped before. */
  maxDurationMs: number;
  requestTimeoutMs?: number;
}

const PAUSE_AFTER_REFUSAL_MS = 50;

/** Starts one client per system; `stop()` ends them and resolves once every request in flight has settled. */
export function startApplianceLoad(baseUrl: string, systems: readonly LoadSystem[], options: LoadOptions) {
  const result: LoadResult = { lastHeartbeat: new Map(), inventories: new Set(), heartbeatsAcknowledged: 0, answers: [] };
  const deadline = Date.now() + options.maxDurationMs;
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  let stopped = false;
  const running = () => !stopped && Date.now() < deadline;

  async function send(kind: Answer['kind'], system: LoadSystem, body?: object): Promise<{ answer: Answer; json: unknown }> {
    let answer: Answer;
    let json: unknown;
    try {
      const response = await fetch(`${baseUrl}/api/systems/${kind}`, {
        method: 'POST',
        headers: { authorization: system.basic, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      json = await response.json().catch(() => undefined);
      answer = { at: Date.now(), kind, status: response.status, retryAfter: response.headers.get('retry-after') };
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      answer = { at: Date.now(), kind, status: timedOut ? -1 : 0, retryAfter: null };
    }
    result.answers.push(answer);
    return { answer, json };
  }

  async function client(system: LoadSystem, index: number): Promise<void> {
    for (let n = 0; running(); n++) {
      const beat = await send('heartbeat', system);
      if (beat.answer.status === 200) {
        const at = Date.parse((beat.json as { data: { last_heartbeat: string } }).data.last_heartbeat);
        result.lastHeartbeat.set(system.id, Math.max(result.lastHeartbeat.get(system.id) ?? 0, at));
        result.heartbeatsAcknowledged++;
      }
      if (!running()) break;
      const counter = `${options.tag}:${index}:${n}`;
      const inventory = await send('inventory', system, { fqdn: `load-${index}.example.org`, counter, uptime_seconds: n });
      if (inventory.answer.status === 202) result.inventories.add(counter);
      // A client that is refused backs off a little rather than spinning.
      if (beat.answer.status >= 500 || beat.answer.status <= 0 || inventory.answer.status >= 500 || inventory.answer.status <= 0) {
        await new Promise((resolve) => setTimeout(resolve, PAUSE_AFTER_REFUSAL_MS));
      }
    }
  }

  const clients = Promise.all(systems.map((system, index) => client(system, index)));
  return {
    result,
    async stop(): Promise<LoadResult> {
      stopped = true;
      await clients;
      return result;
    },
  };
}

/** Adds one load's acknowledged items to `total` (the latest heartbeat per system wins). */
export function mergeLoad(total: LoadResult, load: LoadResult): void {
  for (const [systemId, at] of load.lastHeartbeat) total.lastHeartbeat.set(systemId, Math.max(total.lastHeartbeat.get(systemId) ?? 0, at));
  for (const counter of load.inventories) total.inventories.add(counter);
  total.heartbeatsAcknowledged += load.heartbeatsAcknowledged;
  total.answers.push(...load.answers);
}

export function emptyLoadResult(): LoadResult {
  return { lastHeartbeat: new Map(), inventories: new Set(), heartbeatsAcknowledged: 0, answers: [] };
}

/**
 * What the database lacks of what was acknowledged: inventories neither waiting nor stored as a
 * record, and systems whose stored `last_heartbeat` is older than the latest one acknowledged.
 */
export async function findLost(sql: Sql, acknowledged: LoadResult): Promise<{ inventories: string[]; heartbeats: string[] }> {
  const { rows } = await sql.query<{ counter: string }>(
    `SELECT data->>'counter' AS counter FROM inventory_uploads UNION SELECT data->>'counter' FROM inventory_records`,
  );
  const stored = new Set(rows.map((row) => row.counter));
  const inventories = [...acknowledged.inventories].filter((counter) => !stored.has(counter));
  const beats = await sql.query<{ system_id: string; last_heartbeat: Date | null }>('SELECT system_id, last_heartbeat FROM system_liveness');
  const latest = new Map(beats.rows.map((row) => [row.system_id, row.last_heartbeat?.getTime() ?? 0]));
  const heartbeats = [...acknowledged.lastHeartbeat]
    .filter(([systemId, at]) => (latest.get(systemId) ?? 0) < at)
    .map(([systemId, at]) => `${systemId}: acknowledged ${new Date(at).toISOString()}, stored ${new Date(latest.get(systemId) ?? 0).toISOString()}`);
  return { inventories, heartbeats };
}

/** Creates `count` systems through the management API and registers them. */
export async function createRegisteredSystems(baseUrl: string, adminToken: string, count: number): Promise<LoadSystem[]> {
  const systems: LoadSystem[] = [];
  for (let index = 0; index < count; index++) {
    const created = await fetch(`${baseUrl}/api/v1/systems`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `load-${index}-${Math.random().toString(36).slice(2, 8)}` }),
    });
    if (created.status !== 201) throw new Error(`create system: ${created.status} ${await created.text()}`);
    const system = (await created.json()) as { id: string; system_secret: string };
    const registered = await fetch(`${baseUrl}/api/systems/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ system_secret: system.system_secret }),
    });
    if (registered.status !== 200) throw new Error(`register system: ${registered.status} ${await registered.text()}`);
    const { data } = (await registered.json()) as { data: { system_key: string } };
    systems.push({ id: system.id, basic: `Basic ${Buffer.from(`${data.system_key}:${system.system_secret}`).toString('base64')}` });
  }
  return systems;
}
