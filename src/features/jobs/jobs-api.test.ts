import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHeaders, startTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../../../test/helpers/test-databases.ts';

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 150; attempt++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const kind of databaseKinds()) {
  describe(`jobs API: dead jobs and retrying them (${kind})`, () => {
    let database: TestDatabase;
    let t: TestMuster;

    before(async () => {
      database = await openTestDatabase(kind);
      t = await startTestMuster(database.db);
    });
    after(async () => {
      await t.close();
      await database.dispose();
    });

    it('a job that keeps failing ends up dead with its error; a retry runs it again', async () => {
      let healthy = false;
      const runs: string[] = [];
      await t.muster.jobs.define({ name: 'test.flaky', retryLimit: 1, retryDelaySeconds: 1, retryDelayMaxSeconds: 1, expireInSeconds: 30 });
      await t.muster.jobs.work<{ label: string }>('test.flaky', async ({ label }) => {
        runs.push(label);
        if (!healthy) throw new Error(`downstream unavailable for ${label}`);
      });
      await database.db.transaction((tx) => t.muster.jobs.enqueue(tx, 'test.flaky', { label: 'first' }));

      const dead = await eventually(async () => {
        const response = await t.muster.app.inject({ method: 'GET', url: '/api/v1/jobs/test.flaky/dead', headers: adminHeaders });
        return response.json().items[0] as { id: string; data: unknown; error: unknown } | undefined;
      }, 'the job to be dead');
      assert.deepEqual(dead.data, { label: 'first' });
      assert.match(JSON.stringify(dead.error), /downstream unavailable for first/);
      assert.deepEqual(runs, ['first', 'first'], 'the first attempt and one retry');

      await t.muster.jobs.recount();
      const queues = (await t.muster.app.inject({ method: 'GET', url: '/api/v1/jobs', headers: adminHeaders })).json();
      assert.equal(queues.queues.find((queue: { name: string }) => queue.name === 'test.flaky').dead, 1);
      const metrics = await t.muster.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /muster_jobs\{queue="test.flaky",state="dead"\} 1/);

      healthy = true;
      const retried = await t.muster.app.inject({ method: 'POST', url: `/api/v1/jobs/test.flaky/dead/${dead.id}/retry`, headers: adminHeaders });
      assert.equal(retried.statusCode, 200);
      await eventually(async () => (runs.length === 3 ? true : undefined), 'the retried job to run');
      const again = await t.muster.app.inject({ method: 'POST', url: `/api/v1/jobs/test.flaky/dead/${dead.id}/retry`, headers: adminHeaders });
      assert.equal(again.statusCode, 404, 'no longer dead');
      assert.equal((await t.muster.app.inject({ method: 'GET', url: '/api/v1/jobs/nope/dead', headers: adminHeaders })).statusCode, 404);
    });
  });
}
