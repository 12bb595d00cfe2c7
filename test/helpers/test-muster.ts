import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before } from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { createMuster, type Muster } from '../../src/app.ts';
import { ManualClock } from '../../src/clock/clock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { resolveSecretsKey } from '../../src/config/secrets-key.ts';
import type { Db } from '../../src/db/db.ts';
import { sha256 } from '../../src/http/admin-auth.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { type DatabaseKind, type TestDatabase, useTestDatabase } from './test-databases.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The management API as the admin calls it, through `inject`; each call resolves to the response. */
export interface AdminClient {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, payload?: InjectOptions['payload']): Promise<LightMyRequestResponse>;
  patch(url: string, payload?: InjectOptions['payload']): Promise<LightMyRequestResponse>;
  put(url: string, payload?: InjectOptions['payload']): Promise<LightMyRequestResponse>;
  delete(url: string): Promise<LightMyRequestResponse>;
}

export function adminClient(app: Muster['app']): AdminClient {
  const send = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE') => (url: string, payload?: InjectOptions['payload']) =>
    app.inject({ method, url, headers: adminHeaders, ...(payload === undefined ? {} : { payload }) });
  return { get: send('GET'), post: send('POST'), patch: send('PATCH'), put: send('PUT'), delete: send('DELETE') };
}

export interface TestMuster {
  muster: Muster;
  clock: ManualClock;
  admin: AdminClient;
  /** Creates a system through the API and returns its id and secret. */
  createSystem(body?: Record<string, unknown>): Promise<{ id: string; secret: string; systemKey: string; organizationId: string }>;
  /** Creates and registers a system; returns its Basic credentials too. */
  createRegisteredSystem(body?: Record<string, unknown>): Promise<{ id: string; secret: string; systemKey: string; organizationId: string; basic: string }>;
  heartbeat(basic: string): Promise<LightMyRequestResponse>;
  /** Creates an organization through the API (a random name starting with `prefix`); `key(scopes)` creates one of its API keys. */
  createOrganization(prefix: string): Promise<{ id: string; name: string; key: (scopes: string[]) => Promise<string> }>;
  /** Creates and registers a system in the organization, posts `inventory` as its inventory and processes it. */
  createSystemWithInventory(organizationId: string, name: string, inventory: unknown): Promise<{ id: string; basic: string }>;
  /** `POST /api/systems/metrics` with the system's Basic credentials and a JSON body. */
  postMetrics(basic: string, body: unknown): Promise<LightMyRequestResponse>;
  /** This Muster's DATA_DIR (a fresh temporary directory, removed on close). */
  dataDir: string;
  close(): Promise<void>;
}

export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** A started Muster (no listener; requests go through `inject`) on `db` with a manual clock. */
export async function startTestMuster(db: Db, env: Record<string, string> = {}, clock = new ManualClock(), logger?: Logger): Promise<TestMuster> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'muster-test-'));
  const config = loadConfig({
    ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    LIVENESS_SCAN_INTERVAL_MS: '60000',
    REGISTER_RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  logger ??= createLogger(config.logLevel);
  const secretsKey = await resolveSecretsKey(config.secretsKey, dataDir);
  const muster = await createMuster({ config, db, logger, adminTokenHash: sha256(ADMIN_TOKEN), secretsKey, clock });
  await muster.start();

  async function createSystem(body: Record<string, unknown> = {}) {
    const response = await muster.app.inject({
      method: 'POST',
      url: '/api/v1/systems',
      headers: adminHeaders,
      payload: { name: `system-${Math.random().toString(36).slice(2, 8)}`, ...body },
    });
    if (response.statusCode !== 201) throw new Error(`create system failed: ${response.statusCode} ${response.body}`);
    const created = response.json<{ id: string; system_secret: string; system_key: string; organization_id: string }>();
    return { id: created.id, secret: created.system_secret, systemKey: created.system_key, organizationId: created.organization_id };
  }

  async function createRegisteredSystem(body: Record<string, unknown> = {}) {
    const system = await createSystem(body);
    const response = await muster.app.inject({ method: 'POST', url: '/api/systems/register', payload: { system_secret: system.secret } });
    if (response.statusCode !== 200) throw new Error(`register failed: ${response.statusCode} ${response.body}`);
    return { ...system, basic: basicAuth(system.systemKey, system.secret) };
  }

  return {
    muster,
    clock,
    admin: adminClient(muster.app),
    createSystem,
    createRegisteredSystem,
    async createOrganization(prefix: string) {
      const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
      const response = await muster.app.inject({ method: 'POST', url: '/api/v1/organizations', headers: adminHeaders, payload: { name } });
      if (response.statusCode !== 201) throw new Error(`create organization failed: ${response.statusCode} ${response.body}`);
      const id = response.json<{ id: string }>().id;
      const key = async (scopes: string[]) => {
        const created = await muster.app.inject({
          method: 'POST',
          url: `/api/v1/organizations/${id}/api-keys`,
          headers: adminHeaders,
          payload: { name: scopes.join('+'), scopes },
        });
        if (created.statusCode !== 201) throw new Error(`create API key failed: ${created.statusCode} ${created.body}`);
        return created.json<{ key: string }>().key;
      };
      return { id, name, key };
    },
    async createSystemWithInventory(organizationId: string, name: string, inventory: unknown) {
      const system = await createRegisteredSystem({ name, organization_id: organizationId });
      const response = await muster.app.inject({
        method: 'POST',
        url: '/api/systems/inventory',
        headers: { authorization: system.basic, 'content-type': 'application/json' },
        payload: JSON.stringify(inventory),
      });
      if (response.statusCode !== 202) throw new Error(`inventory refused: ${response.statusCode} ${response.body}`);
      await muster.inventory.process(system.id);
      return system;
    },
    heartbeat(basic: string) {
      return muster.app.inject({ method: 'POST', url: '/api/systems/heartbeat', headers: { authorization: basic } });
    },
    postMetrics(basic: string, body: unknown) {
      return muster.app.inject({
        method: 'POST',
        url: '/api/systems/metrics',
        headers: { authorization: basic, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    },
    dataDir,
    async close() {
      await muster.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestMusterOptions {
  /** Muster's environment, over startTestMuster's defaults. */
  env?: Record<string, string>;
  /** Called once per suite, when Muster starts (so a clock set from `Date.now()` is set then). */
  clock?: () => ManualClock;
  logger?: Logger;
  /** What Muster runs on instead of the suite's database itself (a wrapper that fails or holds queries). */
  db?: (db: Db) => Db;
  /** Runs in the suite's `after` before Muster stops: lets go of what `db` holds, or stops other nodes on the database. */
  beforeClose?: () => void | Promise<void>;
}

/**
 * A fresh database of `kind` and a Muster on it for the enclosing `describe`: both started in a
 * `before` hook and closed in an `after` hook registered here. The objects returned are filled in
 * by that `before` hook, so use them in hooks and tests, not while the suite is being declared.
 */
export function useTestMuster(kind: DatabaseKind, options: TestMusterOptions = {}): { database: TestDatabase; t: TestMuster } {
  const database = useTestDatabase(kind, async () => {
    if (!('close' in t)) return;
    await options.beforeClose?.();
    await t.close();
  });
  const t = {} as TestMuster;
  before(async () => {
    const db = options.db ? options.db(database.db) : database.db;
    Object.assign(t, await startTestMuster(db, options.env, options.clock?.(), options.logger));
  });
  return { database, t };
}
