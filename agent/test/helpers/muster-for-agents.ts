import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openPgliteDb } from '../../../src/db/pglite-db.ts';
import { freePort } from '../../../test/helpers/free-port.ts';
import { startMusterProcess, type RunningMuster } from '../../../test/helpers/muster-process.ts';
import { createPostgresDatabase, type DatabaseKind } from '../../../test/helpers/test-databases.ts';

const ADMIN_TOKEN = 'agent-test-admin-token-0123456789';

/** A real Muster process on `kind` that can be stopped and started again on the same port and data. */
export interface MusterForAgents {
  url: string;
  admin<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  /** Stops Muster and counts the system's rows in metric_samples (one per report stored), and how many distinct times they hold. */
  stopAndCountSampleRows(systemId: string): Promise<{ rows: number; times: number }>;
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

export async function startMusterForAgents(kind: DatabaseKind): Promise<MusterForAgents> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'muster-agent-muster-'));
  const database = kind === 'postgres' ? await createPostgresDatabase() : undefined;
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    ADMIN_TOKEN,
    LISTEN_ADDRESS: `127.0.0.1:${port}`,
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  let running: RunningMuster | undefined = await startMusterProcess(env);
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (!running) return;
    running.child.kill('SIGTERM');
    await running.exited;
    running = undefined;
  };
  return {
    url,
    async admin<T>(method: string, route: string, body?: unknown): Promise<T> {
      const response = await fetch(`${url}${route}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${route} answered ${response.status}: ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async stopAndCountSampleRows(systemId) {
      await stop();
      const sql = 'SELECT count(*)::int AS rows, count(DISTINCT at)::int AS times FROM metric_samples WHERE system_id = $1';
      if (!database) {
        const db = await openPgliteDb(path.join(dataDir, 'pglite'));
        try {
          return (await db.query<{ rows: number; times: number }>(sql, [systemId])).rows[0]!;
        } finally {
          await db.close();
        }
      }
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query<{ rows: number; times: number }>(sql, [systemId])).rows[0]!;
      } finally {
        await client.end();
      }
    },
    stop,
    async start() {
      running = await startMusterProcess(env);
    },
    async dispose() {
      await stop();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The raw points of `name` for a system over the last hour, one per second at most. */
export async function rawPoints(muster: MusterForAgents, systemId: string, name: string): Promise<[number, number][]> {
  const from = new Date(Date.now() - 3600_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const answer = await muster.admin<{ resolution: string; series: { points: [number, number][] }[] }>(
    'GET',
    `/api/v1/systems/${systemId}/metrics?name=${name}&step=1&from=${from}&to=${to}`,
  );
  return answer.series.flatMap((series) => series.points);
}
