import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { eventually } from '../../../test/helpers/eventually.ts';

for (const kind of databaseKinds()) {
  describe(`jobs API: dead jobs and retrying them (${kind})`, () => {
    const { database, t } = useTestMuster(kind);

    it('reports the jobs the job table holds now, not those of the last monitoring pass', async () => {
      const queue = 'test.counted';
      const status = async () => {
        const body = (await t.admin.get('/api/v1/jobs')).json();
        const metrics = (await t.muster.app.inject({ method: 'GET', url: '/metrics' })).body;
        const metric = (state: string) => Number(new RegExp(`muster_jobs\\{queue="${queue}",state="${state}"\\} (\\d+)`).exec(metrics)?.[1]);
        const api = body.queues.find((entry: { name: string }) => entry.name === queue);
        return {
          api: { queued: api.queued, active: api.active, dead: api.dead },
          metrics: { queued: metric('queued'), active: metric('active'), dead: metric('dead') },
        };
      };
      await t.muster.jobs.define({ name: queue, retryLimit: 0, retryDelaySeconds: 1, retryDelayMaxSeconds: 1, expireInSeconds: 30 });
      await database.db.transaction((tx) =>
        t.muster.jobs.enqueueMany(
          tx,
          queue,
          Array.from({ length: 5 }, (_, n) => ({ data: { n } })),
        ),
      );
      assert.deepEqual(await status(), { api: { queued: 5, active: 0, dead: 0 }, metrics: { queued: 5, active: 0, dead: 0 } });
      // What pg-boss's monitor does every few seconds during a load: it caches these counts.
      await t.muster.jobs.recount();

      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let started = 0;
      let finished = 0;
      await t.muster.jobs.work<{ n: number }>(
        queue,
        async () => {
          started++;
          await held;
          finished++;
        },
        2,
      );
      // The worker takes them in one batch.
      await eventually(async () => (started === 5 ? true : undefined), 'the jobs to run');
      assert.deepEqual(await status(), { api: { queued: 0, active: 5, dead: 0 }, metrics: { queued: 0, active: 5, dead: 0 } });
      release();
      await eventually(async () => (finished === 5 ? true : undefined), 'every job to run');
      await eventually(async () => ((await status()).api.active === 0 ? true : undefined), 'the last job to complete');
      assert.deepEqual(await status(), { api: { queued: 0, active: 0, dead: 0 }, metrics: { queued: 0, active: 0, dead: 0 } });
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
        const response = await t.admin.get('/api/v1/jobs/test.flaky/dead');
        return response.json().items[0] as { id: string; data: unknown; error: unknown } | undefined;
      }, 'the job to be dead');
      assert.deepEqual(dead.data, { label: 'first' });
      assert.match(JSON.stringify(dead.error), /downstream unavailable for first/);
      assert.deepEqual(runs, ['first', 'first'], 'the first attempt and one retry');

      const queues = (await t.admin.get('/api/v1/jobs')).json();
      assert.equal(queues.queues.find((queue: { name: string }) => queue.name === 'test.flaky').dead, 1);
      const metrics = await t.muster.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /muster_jobs\{queue="test.flaky",state="dead"\} 1/);

      healthy = true;
      const retried = await t.admin.post(`/api/v1/jobs/test.flaky/dead/${dead.id}/retry`);
      assert.equal(retried.statusCode, 200);
      await eventually(async () => (runs.length === 3 ? true : undefined), 'the retried job to run');
      const again = await t.admin.post(`/api/v1/jobs/test.flaky/dead/${dead.id}/retry`);
      assert.equal(again.statusCode, 404, 'no longer dead');
      assert.equal((await t.admin.get('/api/v1/jobs/nope/dead')).statusCode, 404);
    });
  });
}
