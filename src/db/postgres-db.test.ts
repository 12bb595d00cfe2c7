import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { databaseKinds, useTestDatabase } from '../../test/helpers/test-databases.ts';
import { DatabaseUnavailableError } from '../errors/errors.ts';
import type { Db } from './db.ts';
import { openPostgresDb } from './postgres-db.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the PostgreSQL driver when the server fails it', { skip: !databaseKinds().includes('postgres') && 'PostgreSQL only (TEST_DATABASE_URL)' }, () => {
  let db: Db;
  const database = useTestDatabase('postgres', () => db.close());

  before(async () => {
    const server = database.db.server!;
    db = await openPostgresDb({
      connectionString: server.connectionString,
      schema: server.schema,
      poolSize: 2,
      connectTimeoutMs: 2000,
      statementTimeoutMs: 300,
    });
  });

  it('fails a transaction whose connection is lost between statements with DatabaseUnavailableError, without ending the process', async () => {
    const failure = await db
      .transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // The server ends this session while the transaction's own work runs in between.
        await database.db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
        await sleep(200);
        await tx.query('SELECT 1');
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(failure instanceof DatabaseUnavailableError, String(failure));
    assert.equal(failure.statusCode, 503);
    assert.equal(failure.retryAfterSeconds, 2);
    // The lost connection was dropped, not handed out again.
    for (let attempt = 0; attempt < 4; attempt++) assert.deepEqual((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
  });

  it('cancels a statement running past the statement timeout (DatabaseUnavailableError), and lets one without a timeout run', async () => {
    await assert.rejects(db.query('SELECT pg_sleep(1)'), DatabaseUnavailableError);
    await assert.rejects(
      db.transaction((tx) => tx.query('SELECT pg_sleep(1)')),
      DatabaseUnavailableError,
    );
    // As migrations do: no timeout on either side.
    const untimed = await db.transaction(async (tx) => {
      await tx.query('SET LOCAL statement_timeout = 0');
      return tx.query<{ done: boolean }>('SELECT pg_sleep(0.5) IS NOT NULL AS done', [], { timeoutMs: 0 });
    });
    assert.deepEqual(untimed.rows, [{ done: true }]);
  });

  it('leaves errors of the statement itself as they are', async () => {
    await assert.rejects(
      db.query('SELECT * FROM no_such_table'),
      (error: Error & { code?: string }) => !(error instanceof DatabaseUnavailableError) && error.code === '42P01',
    );
  });
});
