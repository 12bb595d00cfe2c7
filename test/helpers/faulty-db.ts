import type { Db, QueryOptions, Sql } from '../../src/db/db.ts';

/** Wraps a database so a test can make every statement fail, as when the server goes away. */
export function faultyDb(db: Db): Db & { down: boolean } {
  const state = { down: false };
  const guard = (sql: Sql): Sql => ({
    query: (text, params) => (state.down ? Promise.reject(new Error('connection terminated unexpectedly')) : sql.query(text, params)),
  });
  const wrapped = {
    kind: db.kind,
    ...(db.embedded ? { embedded: db.embedded } : {}),
    ...(db.server ? { server: db.server } : {}),
    query: guard(db).query,
    transaction: <T>(work: (tx: Sql) => Promise<T>) =>
      state.down ? Promise.reject(new Error('connection terminated unexpectedly')) : db.transaction((tx) => work(guard(tx))),
    listen: db.listen,
    close: () => Promise.resolve(),
  };
  return Object.defineProperty(wrapped, 'down', { get: () => state.down, set: (value: boolean) => (state.down = value) }) as Db & { down: boolean };
}

/**
 * A database whose statements matching `pattern` fail: inside a transaction once run (so the
 * transaction rolls back), alone before running (a statement alone is its own transaction).
 */
export function failAfter(db: Db, pattern: RegExp): Db {
  const guard = (sql: Sql): Sql => ({
    query: async <Row>(text: string, params?: readonly unknown[], options?: QueryOptions) => {
      const result = await sql.query<Row>(text, params, options);
      if (pattern.test(text)) throw new Error('connection terminated unexpectedly');
      return result;
    },
  });
  return {
    ...db,
    query: <Row>(text: string, params?: readonly unknown[], options?: QueryOptions) =>
      pattern.test(text) ? Promise.reject(new Error('connection terminated unexpectedly')) : db.query<Row>(text, params, options),
    transaction: (work) => db.transaction((tx) => work(guard(tx))),
    close: () => Promise.resolve(),
  };
}

/**
 * A database whose statements matching `pattern` wait until `release()` is called (then run),
 * so a test can hold requests in flight, as behind a slow database.
 */
export function heldDb(db: Db, pattern: RegExp): Db & { release: () => void; held: () => number } {
  let waiting: (() => void)[] = [];
  let released = false;
  const hold = () => (released ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve)));
  const guard = (sql: Sql): Sql => ({
    query: async <Row>(text: string, params?: readonly unknown[], options?: QueryOptions) => {
      if (pattern.test(text)) await hold();
      return sql.query<Row>(text, params, options);
    },
  });
  return {
    ...db,
    query: guard(db).query,
    transaction: (work) => db.transaction((tx) => work(guard(tx))),
    close: () => Promise.resolve(),
    release: () => {
      released = true;
      for (const resolve of waiting) resolve();
      waiting = [];
    },
    held: () => waiting.length,
  };
}

/**
 * A database that refuses data as PostgreSQL refuses a value it cannot hold: every statement
 * with a text parameter containing `marker` fails with an error carrying the SQLSTATE `code`
 * (22003 numeric overflow, 54001 stack depth exceeded, …), alone or inside a transaction.
 */
export function refuseData(db: Db, marker: string, code: string, message = `refused (${code})`): Db {
  const carries = (params?: readonly unknown[]) => params?.some((param) => typeof param === 'string' && param.includes(marker)) ?? false;
  const guard = (sql: Sql): Sql => ({
    query: <Row>(text: string, params?: readonly unknown[], options?: QueryOptions) =>
      carries(params) ? Promise.reject(Object.assign(new Error(message), { code })) : sql.query<Row>(text, params, options),
  });
  return { ...db, query: guard(db).query, transaction: (work) => db.transaction((tx) => work(guard(tx))), close: () => Promise.resolve() };
}
