import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import type { Sql } from '../../src/db/db.ts';
import { openPostgresDb } from '../../src/db/postgres-db.ts';
import { createRegisteredSystems, emptyLoadResult, findLost, mergeLoad, startApplianceLoad, type LoadResult } from '../helpers/appliance-load.ts';
import { checkIntegrity, withPgliteDataDir } from '../helpers/database-integrity.ts';
import { startMusterProcess, type RunningMuster } from '../helpers/muster-process.ts';
import { privatePostgresAvailable, startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.ts';

const ADMIN_TOKEN = 'fault-admin-token-0123456789';
const KILLS = 3;
const SYSTEMS = 6;
/** Inventories acknowledged before a kill may come. */
const UNDER_WAY = 40;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Target {
  env: Record<string, string>;
  /** Runs `work` on the database Muster left behind (Muster is not running). */
  inspect<T>(work: (sql: Sql) => Promise<T>): Promise<T>;
}

/**
 * SIGKILLs a real Muster process mid-load `KILLS` times, restarting it on the same data each
 * time, and checks after each kill (and after a last, graceful stop) that the database holds
 * every inventory and heartbeat Muster acknowledged, and that its indexes and tables are sound.
 */
async function killUnderLoad(t: TestContext, name: string, target: Target): Promise<void> {
  let muster: RunningMuster = await startMusterProcess({ ...target.env, ADMIN_TOKEN });
  try {
    const systems = await createRegisteredSystems(muster.url, ADMIN_TOKEN, SYSTEMS);
    const acknowledged = emptyLoadResult();
    const restarts: number[] = [];

    const check = async (when: string) => {
      const { lost, control, integrity } = await target.inspect(async (sql) => {
        // What the check says of an inventory never sent and a heartbeat from the future: it must see both missing.
        const [systemId] = acknowledged.lastHeartbeat.keys();
        const missing = await findLost(sql, {
          ...emptyLoadResult(),
          inventories: new Set(['never-sent']),
          lastHeartbeat: new Map([[systemId!, Date.now() + 60_000]]),
        });
        return {
          lost: await findLost(sql, acknowledged),
          control: { inventories: missing.inventories, heartbeats: missing.heartbeats.length },
          integrity: await checkIntegrity(sql),
        };
      });
      assert.deepEqual(lost, { inventories: [], heartbeats: [] }, `lost ${when}`);
      assert.deepEqual(control, { inventories: ['never-sent'], heartbeats: 1 }, 'the check finds what is missing');
      assert.deepEqual(integrity.problems, [], `damage ${when}`);
      assert.ok(integrity.indexes > 10, `${integrity.indexes} indexes checked`);
      return integrity;
    };

    for (let kill = 1; kill <= KILLS; kill++) {
      const load = startApplianceLoad(muster.url, systems, { tag: `kill-${kill}`, maxDurationMs: 15_000 });
      // Mid-load: once the load is under way (a freshly started process can be slow at first),
      // at a moment that differs from one kill to the next.
      const begun = Date.now();
      while (load.result.inventories.size < UNDER_WAY && Date.now() - begun < 8_000) await sleep(50);
      await sleep(300 + Math.random() * 1_200);
      muster.child.kill('SIGKILL');
      await muster.exited;
      const result: LoadResult = await load.stop();
      mergeLoad(acknowledged, result);
      assert.ok(result.heartbeatsAcknowledged > 0 && result.inventories.size > 0, `kill ${kill}: the load was acknowledged before the kill`);
      assert.ok(
        result.answers.some((answer) => answer.status === 0),
        `kill ${kill}: requests were in flight at the kill`,
      );
      const unexpected = result.answers.filter((answer) => answer.status !== 200 && answer.status !== 202 && answer.status !== 0);
      assert.deepEqual(unexpected.slice(0, 5), [], `kill ${kill}: answers other than 2xx before the kill`);

      const integrity = await check(`after kill ${kill}`);
      const started = Date.now();
      muster = await startMusterProcess({ ...target.env, ADMIN_TOKEN });
      restarts.push(Date.now() - started);
      t.diagnostic(
        `${name} kill ${kill}: ${result.heartbeatsAcknowledged} heartbeats and ${result.inventories.size} inventories acknowledged, ` +
          `${result.answers.filter((answer) => answer.status === 0).length} requests cut off, 0 lost; ${integrity.indexes} indexes and ${integrity.tables} tables checked clean; restarted in ${restarts.at(-1)} ms`,
      );
    }

    // The restarted process works on the same data, and keeps what the killed ones acknowledged.
    const last = startApplianceLoad(muster.url, systems, { tag: 'after', maxDurationMs: 1_000 });
    await sleep(1_000);
    const final = await last.stop();
    mergeLoad(acknowledged, final);
    assert.ok(final.heartbeatsAcknowledged > 0 && final.inventories.size > 0, 'the restarted process acknowledges writes');
    muster.child.kill('SIGTERM');
    assert.equal(await muster.exited, 0);
    await check('after the last restart');
    t.diagnostic(
      `${name}: ${KILLS} kills survived; ${acknowledged.heartbeatsAcknowledged} heartbeats and ${acknowledged.inventories.size} inventories acknowledged in all, 0 lost`,
    );
  } finally {
    if (muster.child.exitCode === null && muster.child.signalCode === null) {
      muster.child.kill('SIGKILL');
      await muster.exited;
    }
  }
}

describe('kill -9 under heartbeat and inventory load', () => {
  const dirs: string[] = [];
  let cluster: PrivatePostgres | undefined;
  after(async () => {
    await cluster?.dispose();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const dataDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'muster-kill-'));
    dirs.push(dir);
    return dir;
  };

  it(`on PGlite: every acknowledged item survives ${KILLS} kills, and the database opens clean after each`, async (t) => {
    const dir = await dataDir();
    await killUnderLoad(t, 'PGlite', { env: { DATA_DIR: dir }, inspect: (work) => withPgliteDataDir(path.join(dir, 'pglite'), work) });
  });

  it(
    `on PostgreSQL: every acknowledged item survives ${KILLS} kills`,
    { skip: !privatePostgresAvailable() && 'no PostgreSQL server binaries (CI=true makes this a failure)' },
    async (t) => {
      cluster = await startPrivatePostgres();
      const databaseUrl = await cluster.createDatabase('muster');
      await killUnderLoad(t, 'PostgreSQL', {
        env: { DATA_DIR: await dataDir(), DATABASE_URL: databaseUrl },
        inspect: async (work) => {
          const db = await openPostgresDb({ connectionString: databaseUrl, poolSize: 1 });
          try {
            return await work(db);
          } finally {
            await db.close();
          }
        },
      });
    },
  );
});
