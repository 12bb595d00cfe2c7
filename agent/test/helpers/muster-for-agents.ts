import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../../test/helpers/free-port.ts';
import { startMusterProcess, type RunningMuster } from '../../../test/helpers/muster-process.ts';
import { createPostgresDatabase, type DatabaseKind } from '../../../test/helpers/test-databases.ts';

const ADMIN_TOKEN = 'agent-test-admin-token-0123456789';

/** A real Muster process on `kind` that can be stopped and started again on the same port and data. */
export interface MusterForAgents {
  url: string;
  admin<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
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
