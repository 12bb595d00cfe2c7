import type { Db, QueryResult, Sql } from '../../src/db/db.ts';

export interface FakeStatement {
  text: string;
  params: readonly unknown[];
  /** The transaction it ran in; null outside any. */
  tx: Sql | null;
}

/**
 * A Db for unit tests of services, whose SQL lives in fake stores: `transaction(fn)` calls `fn`
 * with a fresh Sql and rolls nothing back. The Sql answers only the statements plumbing sends
 * (pg_notify, pg_try_advisory_xact_lock) and throws on any other, so a service that runs SQL of
 * its own fails the test.
 */
export interface FakeDb extends Db {
  readonly statements: FakeStatement[];
  /** The Sql of the transaction running now, if any: fake stores check their writes run in it. */
  readonly currentTransaction: Sql | null;
  /** What pg_try_advisory_xact_lock answers (false: another node holds the lock). */
  advisoryLockFree: boolean;
}

export function createFakeDb(): FakeDb {
  let current: Sql | null = null;
  const statements: FakeStatement[] = [];

  function runner(tx: Sql | null): Sql['query'] {
    return <Row>(text: string, params: readonly unknown[] = []) => {
      statements.push({ text, params, tx });
      if (text.includes('pg_try_advisory_xact_lock')) return answer<Row>([{ locked: db.advisoryLockFree }]);
      if (text.includes('pg_notify')) return answer<Row>([{}]);
      return Promise.reject(new Error(`the fake database does not run ${text}`));
    };
  }

  const db: FakeDb = {
    kind: 'pglite',
    statements,
    get currentTransaction() {
      return current;
    },
    advisoryLockFree: true,
    query: runner(null),
    async transaction(work) {
      if (current) throw new Error('nested transaction');
      const tx: Sql = { query: (text, params) => runner(tx)(text, params) };
      current = tx;
      try {
        return await work(tx);
      } finally {
        current = null;
      }
    },
    listen: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
  return db;
}

function answer<Row>(rows: unknown[]): Promise<QueryResult<Row>> {
  return Promise.resolve({ rows: rows as Row[], rowCount: rows.length });
}
