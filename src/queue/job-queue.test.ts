import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { databaseKinds, useTestDatabase } from '../../test/helpers/test-databases.ts';
import { createLogger } from '../logging/logger.ts';
import { createJobQueue, type JobQueue } from './job-queue.ts';

/**
 * The job table as pg-boss 12.35.0 has it (column and type; `state` is its enum). Ingest runs pg-boss's own insert inside its statement
 * (`insertStatement`): should an upgrade change the table, this fails, and the folding must be
 * checked again against the new pg-boss.
 */
const JOB_COLUMNS = [
  'blocked boolean',
  'blocking boolean',
  'completed_on timestamp with time zone',
  'created_on timestamp with time zone',
  'data jsonb',
  'dead_letter text',
  'deletion_seconds integer',
  'expire_seconds integer',
  'group_id text',
  'group_tier text',
  'heartbeat_on timestamp with time zone',
  'heartbeat_seconds integer',
  'id uuid',
  'keep_until timestamp with time zone',
  'name text',
  'output jsonb',
  'pending_dependencies integer',
  'policy text',
  'priority integer',
  'retry_backoff boolean',
  'retry_count integer',
  'retry_delay integer',
  'retry_delay_max integer',
  'retry_limit integer',
  'singleton_key text',
  'singleton_on timestamp without time zone',
  'source_created_on timestamp with time zone',
  'source_id uuid',
  'source_name text',
  'source_output jsonb',
  'source_retry_count integer',
  'source_root_id uuid',
  'start_after timestamp with time zone',
  'started_on timestamp with time zone',
  'state USER-DEFINED',
];

const QUEUE = 'test.folded';

for (const kind of databaseKinds()) {
  describe(`job queue: pg-boss's insert run inside another statement (${kind})`, () => {
    let jobs: JobQueue;
    let schema: string;
    const database = useTestDatabase(kind, () => jobs.stop(1000));

    before(async () => {
      jobs = createJobQueue({ db: database.db, logger: createLogger('warn') });
      await jobs.start();
      await jobs.define({ name: QUEUE, retryLimit: 3, retryDelaySeconds: 5, retryDelayMaxSeconds: 60, expireInSeconds: 60, policy: 'short' });
      schema = database.db.server?.schema ? `${database.db.server.schema}_jobs` : 'pgboss';
    });

    /** Adds the jobs the way ingest does: pg-boss's statement as one CTE of a statement of our own. */
    async function addFolded(keys: string[]): Promise<void> {
      const statement = await jobs.insertStatement(
        QUEUE,
        keys.map((key) => ({ data: { key }, singletonKey: key })),
      );
      assert.ok(statement, 'pg-boss offers its insert as one plain statement');
      const { rows } = await database.db.query<{ answer: number }>(`WITH queued AS (${statement.text.replaceAll('$1', '$2')}) SELECT $1::integer AS answer`, [
        42,
        statement.payload,
      ]);
      assert.deepEqual(rows, [{ answer: 42 }]);
    }

    const waiting = async () =>
      (
        await database.db.query<{ singleton_key: string; policy: string; retry_limit: number; data: { key: string } }>(
          `SELECT singleton_key, policy, retry_limit, data FROM ${schema}.job WHERE name = $1 AND state = 'created' ORDER BY singleton_key`,
          [QUEUE],
        )
      ).rows;

    it('is pinned to pg-boss 12.35.0, whose job table has the columns its insert was checked against', async () => {
      const installed = JSON.parse(readFileSync(new URL('../../node_modules/pg-boss/package.json', import.meta.url), 'utf8')) as { version: string };
      assert.equal(installed.version, '12.35.0');
      const { rows } = await database.db.query<{ column: string }>(
        "SELECT column_name || ' ' || data_type AS column FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'job' ORDER BY column_name",
        [schema],
      );
      assert.deepEqual(
        rows.map((row) => row.column),
        JOB_COLUMNS,
      );
    });

    it("adds jobs with the queue's policy, one waiting job per singleton key, and pg-boss works them", async () => {
      await addFolded(['a', 'b']);
      await addFolded(['a', 'c']);
      assert.deepEqual(await waiting(), [
        { singleton_key: 'a', policy: 'short', retry_limit: 3, data: { key: 'a' } },
        { singleton_key: 'b', policy: 'short', retry_limit: 3, data: { key: 'b' } },
        { singleton_key: 'c', policy: 'short', retry_limit: 3, data: { key: 'c' } },
      ]);

      const worked: string[] = [];
      const done = new Promise<void>((resolve) => {
        void jobs.work<{ key: string }>(QUEUE, async (data) => {
          worked.push(data.key);
          if (worked.length === 3) resolve();
        });
      });
      await done;
      assert.deepEqual(worked.sort(), ['a', 'b', 'c']);
      assert.deepEqual(await waiting(), []);
    });

    it('is not offered for no jobs', async () => {
      assert.equal(await jobs.insertStatement(QUEUE, []), undefined);
    });
  });
}
