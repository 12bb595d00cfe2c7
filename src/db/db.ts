import type { PGlite } from '@electric-sql/pglite';

/** The narrow SQL interface every store depends on; PGlite and PostgreSQL both implement it. */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface QueryOptions {
  /**
   * Name under which PostgreSQL keeps the statement prepared on each connection, so a hot
   * statement is parsed and planned once rather than on every call. Ignored by PGlite.
   */
  prepareAs?: string;
  /**
   * Longest wait for this statement's answer, in place of the statement timeout; 0 waits as long
   * as it takes (migrations). Ignored by PGlite.
   */
  timeoutMs?: number;
}

export interface Sql {
  query: <Row = Record<string, unknown>>(text: string, params?: readonly unknown[], options?: QueryOptions) => Promise<QueryResult<Row>>;
}

/** A transaction already begun: its statements, then exactly one of commit or rollback. */
export interface OpenTransaction {
  sql: Sql;
  commit: () => Promise<void>;
  rollback: () => Promise<void>;
}

export type NotificationHandler = (payload: string) => void;

export interface Db extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** The embedded database itself, for libraries that must drive it directly (the job runner). */
  readonly embedded?: PGlite;
  /** Where a PostgreSQL database is, for libraries that keep their own connections (the job runner). */
  readonly server?: {
    connectionString: string;
    schema: string | undefined;
    /** The timeouts this driver uses (0: none), for those connections too. */
    connectTimeoutMs: number;
    statementTimeoutMs: number;
  };
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction: <T>(work: (tx: Sql) => Promise<T>) => Promise<T>;
  /**
   * Subscribes to a NOTIFY channel. `onReconnect` is called when the subscription was lost
   * and re-established, since notifications sent in between are gone.
   */
  listen: (channel: string, onMessage: NotificationHandler, onReconnect?: () => void) => Promise<void>;
  close: () => Promise<void>;
}

/** Sends a notification that is delivered when the surrounding transaction commits. */
export async function notify(sql: Sql, channel: string, payload: string): Promise<void> {
  await sql.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

/**
 * Takes a transaction-scoped advisory lock named after `name` within the current schema, so
 * several Muster processes on one database (and parallel test schemas) never collide.
 */
export async function tryAdvisoryXactLock(tx: Sql, name: string): Promise<boolean> {
  const { rows } = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext(current_schema() || ':' || $1)) AS locked", [name]);
  return rows[0]?.locked === true;
}

/** An ILIKE pattern matching `text` anywhere, with LIKE's wildcards in `text` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/**
 * Builds a WHERE clause from optional filters: `param` numbers a value as `$n`, `where()` joins
 * the conditions given (empty when none).
 */
export function whereBuilder() {
  const params: unknown[] = [];
  const conditions: string[] = [];
  return {
    params,
    conditions,
    param: (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    },
    where: () => (conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''),
  };
}
