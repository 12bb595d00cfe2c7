import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { v7 as uuidv7 } from 'uuid';
import { nestedObjects } from '../../../test/helpers/hostile-bodies.ts';
import { captureLogs } from '../../../test/helpers/log-capture.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { eventually } from '../../../test/helpers/eventually.ts';

interface LogLine {
  level: number;
  msg: string;
  systemId?: string;
  uploadId?: string;
  error?: string;
}

for (const kind of databaseKinds()) {
  describe(`inventory processing: an inventory that cannot be processed is set aside, the rest goes on (${kind})`, () => {
    const logs = captureLogs('warn');
    const logged = () => logs.lines.map((line) => JSON.parse(line) as LogLine);
    const { database, t } = useTestMuster(kind, { env: { ROLES: 'api,worker,scheduler' }, logger: logs.logger });

    const post = (basic: string, body: unknown) =>
      t.muster.app.inject({
        method: 'POST',
        url: '/api/systems/inventory',
        headers: { authorization: basic, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    const failedUploads = async (systemId: string) =>
      (await database.db.query<{ id: string; error: string }>('SELECT id, error FROM inventory_failed_uploads WHERE system_id = $1', [systemId])).rows;

    /** Stores a waiting inventory as an earlier Muster accepted it: nested `levels` deep, beyond what the diff can handle. */
    async function storeDeepUpload(systemId: string, levels: number): Promise<string> {
      const id = uuidv7();
      await database.db.query("INSERT INTO inventory_uploads (id, system_id, received_at, hash, size, data) VALUES ($1, $2, $3, 'deep', $4, $5::jsonb)", [
        id,
        systemId,
        t.clock.now(),
        levels * 6,
        nestedObjects(levels),
      ]);
      return id;
    }

    it('processes an inventory whose change path is longer than PostgreSQL can index (an 8 KB key): no retry, nothing set aside', async () => {
      const system = await t.createRegisteredSystem();
      assert.equal((await post(system.basic, { fqdn: 'a.example', version: '1' })).statusCode, 202);
      t.clock.advance(1000);
      const longKey = randomBytes(6000).toString('base64');
      assert.equal((await post(system.basic, { fqdn: 'a.example', version: '1', [longKey]: 1 })).statusCode, 202);
      t.clock.advance(1000);
      assert.equal((await post(system.basic, { fqdn: 'a.example', version: '2', [longKey]: 1 })).statusCode, 202);

      // The worker (pg-boss) gets there on its own.
      await eventually(async () => (await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json().total === 3, 'three records');
      const diffs = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs`)).json();
      assert.deepEqual(
        diffs.items.map((diff: { field_path: string; current_value: unknown }) => [diff.field_path.length, diff.current_value]).sort(),
        [
          [7, '2'],
          [longKey.length, 1],
        ].sort(),
      );
      assert.deepEqual(await failedUploads(system.id), []);
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}/inventory/set-aside`)).statusCode, 404);
      const queue = (await t.admin.get('/api/v1/jobs')).json().queues.find((entry: { name: string }) => entry.name === 'inventory.process');
      assert.deepEqual([queue.queued, queue.dead], [0, 0], 'nothing left to retry');
    });

    it('an inventory stored by an earlier version that the diff cannot handle (5,000 levels deep: RangeError) is set aside too', async () => {
      const system = await t.createRegisteredSystem();
      assert.equal((await post(system.basic, { a: 1 })).statusCode, 202);
      await eventually(async () => (await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json().total === 1, 'the first record');
      t.clock.advance(1000);
      // As an earlier Muster accepted it; its diff against {a: 1} carries a 5,000-level subtree.
      const deepId = await storeDeepUpload(system.id, 5000);
      t.clock.advance(1000);
      assert.equal((await post(system.basic, { a: 3 })).statusCode, 202);
      await eventually(async () => (await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json().total === 2, 'the later record');
      const failed = await failedUploads(system.id);
      assert.deepEqual(
        failed.map((row) => row.id),
        [deepId],
      );
      assert.match(failed[0]!.error, /^RangeError: Maximum call stack size exceeded/);
      const shown = await t.admin.get(`/api/v1/systems/${system.id}/inventory/set-aside`);
      assert.equal(shown.statusCode, 200);
      assert.equal(shown.json().id, deepId);
      assert.match(shown.json().error, /^RangeError/);
      assert.match((await t.muster.app.inject({ method: 'GET', url: '/metrics' })).body, /^muster_inventory_set_aside [1-9]\d*$/m);
      const line = logged().find((entry) => entry.systemId === system.id && entry.uploadId === deepId);
      assert.equal(line?.level, 50, 'logged at error');
      assert.match(line.msg, /set aside/);
      const queue = (await t.admin.get('/api/v1/jobs')).json().queues.find((entry: { name: string }) => entry.name === 'inventory.process');
      assert.deepEqual([queue.queued, queue.dead], [0, 0], 'nothing left to retry');
      const diffs = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs`)).json();
      assert.deepEqual(
        diffs.items.map((diff: { field_path: string; current_value: unknown }) => [diff.field_path, diff.current_value]),
        [['a', 3]],
      );
    });

    it('only the latest set-aside inventory of a system is kept', async () => {
      const system = await t.createRegisteredSystem();
      assert.equal((await post(system.basic, { v: 0 })).statusCode, 202);
      await eventually(async () => (await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json().total === 1, 'the first record');
      for (let round = 1; round <= 2; round++) {
        t.clock.advance(1000);
        await storeDeepUpload(system.id, 5000);
        await t.muster.inventory.process(system.id);
      }
      const failed = await failedUploads(system.id);
      assert.equal(failed.length, 1);
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json().total, 1);
    });
  });
}
