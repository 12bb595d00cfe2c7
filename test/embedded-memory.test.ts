import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { BASELINE_WASM_FLAG } from '../src/db/embedded-runtime.ts';
import { ALLOCATOR_TUNABLES, runsOnGlibc } from '../src/memory/runtime-relaunch.ts';
import { startMusterProcess, type RunningMuster } from './helpers/muster-process.ts';
import { openDiskPgliteDatabase } from './helpers/test-databases.ts';
import { startTestMuster } from './helpers/test-muster.ts';

const MiB = 1024 * 1024;

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
// The process's initial environment as text: glibc cuts GLIBC_TUNABLES there at each ':' as it parses it.
const environment = (pid: number) => readFileSync(`/proc/${pid}/environ`, 'utf8');

/** Runs `check` against a started Muster, which is stopped whatever happens (SIGTERM, then SIGKILL). */
async function withMuster(env: Record<string, string>, check: (muster: RunningMuster) => Promise<void>): Promise<void> {
  const muster = await startMusterProcess(env);
  try {
    await check(muster);
  } finally {
    muster.child.kill('SIGTERM');
    const killer = setTimeout(() => muster.child.kill('SIGKILL'), 15_000);
    await muster.exited;
    clearTimeout(killer);
  }
}

describe('the embedded default’s memory (a real process on PGlite)', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('creates its database within 600 MB, and idles within 300 MB once it exists', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'muster-memory-'));
    dirs.push(dataDir);
    const env = { DATA_DIR: dataDir, ADMIN_TOKEN: 'memory-test-admin-token' };

    await withMuster(env, async (fresh) => {
      const pid = fresh.child.pid!;
      assert.ok(commandLine(pid).includes(BASELINE_WASM_FLAG), 'restarted in place (same pid) on the WASM baseline compiler');
      if (runsOnGlibc()) {
        const environ = environment(pid);
        assert.ok(environ.includes('GLIBC_TUNABLES=') && ALLOCATOR_TUNABLES.every((tunable) => environ.includes(tunable)), 'and with the allocator tunables');
      }
      const created = memoryOf(pid);
      assert.ok(created.peak <= 600 * MiB, `peak while creating the database: ${created.peak / MiB} MiB`);
    });
    await withMuster(env, async (existing) => {
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const idle = memoryOf(existing.child.pid!);
      assert.ok(idle.rss <= 300 * MiB, `idle RSS: ${idle.rss / MiB} MiB`);
      assert.ok(idle.peak <= 600 * MiB, `peak at start: ${idle.peak / MiB} MiB`);
    });
  });

  it('keeps V8’s optimizer when EMBEDDED_WASM_OPTIMIZER=on', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'muster-memory-'));
    dirs.push(dataDir);
    await withMuster({ DATA_DIR: dataDir, ADMIN_TOKEN: 'memory-test-admin-token', EMBEDDED_WASM_OPTIMIZER: 'on' }, async (muster) => {
      assert.equal(commandLine(muster.child.pid!).includes(BASELINE_WASM_FLAG), false);
    });
  });

  it('stores and processes a 10 MB inventory within the embedded database’s memory settings', async () => {
    const database = await openDiskPgliteDatabase();
    // No worker role: the test processes the jobs itself.
    const t = await startTestMuster(database.db, { ROLES: 'api,scheduler' });
    try {
      const system = await t.createRegisteredSystem();
      const send = async (release: string) => {
        // 100 groups of 300 packages, about 325 bytes each: 9.8 MB of JSON.
        const groups = Object.fromEntries(
          Array.from({ length: 100 }, (_, group) => [
            `group-${group}`,
            Array.from({ length: 300 }, (_, index) => ({
              name: `package-${group}-${index}`,
              version: `${release}.${index}`,
              arch: 'x86_64',
              description: 'd'.repeat(250),
            })),
          ]),
        );
        const payload = JSON.stringify({ os: { name: 'Debian', release }, packages: groups });
        assert.ok(payload.length > 9_500_000 && payload.length < 10 * MiB, `${payload.length} bytes`);
        const response = await t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/inventory',
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          payload,
        });
        assert.equal(response.statusCode, 202, response.body);
        t.clock.advance(60_000);
      };
      await send('1');
      await send('2');
      assert.equal(await t.muster.inventory.process(system.id), 2);
      const latest = await t.admin.get(`/api/v1/systems/${system.id}/inventory/latest`);
      assert.equal(latest.statusCode, 200);
      const data = latest.json<{ data: { os: { release: string }; packages: Record<string, { version: string }[]> } }>().data;
      assert.equal(data.os.release, '2');
      assert.equal(data.packages['group-99']?.[299]?.version, '2.299');
      const diffs = await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs?page_size=1`);
      // 30,000 versions changed; the diff engine keeps a record's first 5,000 changes.
      assert.equal(diffs.json<{ total: number }>().total, 5000);
    } finally {
      await t.close();
      await database.dispose();
    }
  });
});
