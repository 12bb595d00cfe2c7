import pg from 'pg';
import type { Logger } from 'pino';
import { asDatabaseError } from './database-unavailable.ts';
import type { Db, NotificationHandler, OpenTransaction, QueryOptions, QueryResult, Sql } from './db.ts';

const INT8_OID = 20;

// Counts and ids fit in a double; parse int8 as a number like PGlite does, so both drivers agree.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as (value: string) => unknown;
  },
};

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
  /** Schema to work in (tests use one per file); the server's default when undefined. */
  schema?: string;
  logger?: Logger;
  /** Longest wait for a connection (a new one, or a free one of the pool); 0 waits as long as it takes. */
  connectTimeoutMs?: number;
  /** Longest a statement may run; 0 lets it run as long as it takes. */
  statementTimeoutMs?: number;
}

export async function openPostgresDb(options: PostgresOptions): Promise<Db> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 0;
  const statementTimeoutMs = options.statementTimeoutMs ?? 0;
  const clientConfig: pg.ClientConfig = {
    connectionString: options.connectionString,
    types,
    // UTC sessions, so date arithmetic in SQL (retention buckets, timeline days) does not depend
    // on the server's time zone.
    options: `-c TimeZone=UTC${options.schema ? ` -c search_path=${options.schema}` : ''}`,
    // The server cancels a statement running past the timeout (57014, answered 503).
    ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs } : {}),
    connectionTimeoutMillis: connectTimeoutMs,
    // A server gone silent (a host down, a network cut) is noticed on idle connections too.
    keepAlive: true,
  };
  const clientTimeoutMs = answerTimeoutMs(statementTimeoutMs, connectTimeoutMs);
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize, idleTimeoutMillis: 30_000 });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle database connection failed'));
  await pool.query('SELECT 1');

  const listener = createListener(clientConfig, options.logger);

  const wrap = (runner: pg.Pool | pg.PoolClient): Sql => ({
    async query<Row>(text: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<QueryResult<Row>> {
      const query: pg.QueryConfig & { query_timeout?: number } = { text, values: params as unknown[] };
      if (options.prepareAs) query.name = options.prepareAs;
      const timeoutMs = options.timeoutMs ?? clientTimeoutMs;
      if (timeoutMs > 0) query.query_timeout = timeoutMs;
      try {
        const result = await runner.query(query);
        return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
      } catch (error) {
        throw asDatabaseError(error);
      }
    },
  });

  async function begin(): Promise<OpenTransaction> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw asDatabaseError(error);
    }
    // A connection lost between two statements of the transaction (the server stopping while the
    // work in between runs) is reported as an 'error' event, which would end the process unheard;
    // the next statement fails on its own, and the connection is destroyed on release.
    let lost: Error | undefined;
    const onLost = (error: Error) => (lost = error);
    client.on('error', onLost);
    const release = (error?: Error) => {
      client.off('error', onLost);
      client.release(error ?? lost);
    };
    const sql = wrap(client);
    try {
      await sql.query('BEGIN');
    } catch (error) {
      release(error as Error);
      throw error;
    }
    let released = false;
    return {
      sql,
      async commit() {
        await sql.query('COMMIT');
        released = true;
        release();
      },
      async rollback() {
        if (released) return;
        released = true;
        // A failed ROLLBACK means the connection is broken: destroy it instead of reusing it.
        const broken = await sql.query('ROLLBACK').then(
          () => undefined,
          (rollbackError: unknown) => rollbackError as Error,
        );
        release(broken);
      },
    };
  }

  return {
    kind: 'postgres',
    server: { connectionString: options.connectionString, schema: options.schema, connectTimeoutMs, statementTimeoutMs },
    query: wrap(pool).query,
    async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
      const open = await begin();
      try {
        const result = await work(open.sql);
        await open.commit();
        return result;
      } catch (error) {
        await open.rollback();
        throw error;
      }
    },
    listen: listener.listen,
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}

/**
 * How long a client waits for an answer (0: no limit). A server that does not answer at all (a
 * host down, a network cut) cannot cancel anything: the client gives up a little after the
 * server's own statement timeout would have.
 */
export function answerTimeoutMs(statementTimeoutMs: number, connectTimeoutMs: number): number {
  return statementTimeoutMs > 0 ? statementTimeoutMs + Math.max(connectTimeoutMs, 1000) : 0;
}

/** One dedicated connection for LISTEN, re-established with backoff when it drops. */
function createListener(clientConfig: pg.ClientConfig, logger: Logger | undefined) {
  const channels = new Map<string, { onMessage: NotificationHandler; onReconnect?: () => void }>();
  let client: pg.Client | undefined;
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;
  let retryDelay = 100;

  async function connect(): Promise<pg.Client> {
    const next = new pg.Client(clientConfig);
    next.on('notification', (message) => channels.get(message.channel)?.onMessage(message.payload ?? ''));
    next.on('error', (error) => {
      logger?.warn({ err: error }, 'database notification connection lost; reconnecting');
      if (client === next) client = undefined;
      void next.end().catch(() => undefined);
      scheduleReconnect();
    });
    await next.connect();
    for (const channel of channels.keys()) await next.query(`LISTEN ${quoteIdentifier(channel)}`);
    return next;
  }

  function scheduleReconnect(): void {
    if (closed) return;
    setTimeout(() => {
      ensureConnected().then(
        () => {
          retryDelay = 100;
          for (const handlers of channels.values()) handlers.onReconnect?.();
        },
        () => {
          // At most a second apart: invalidations are missed while it is down, so it must be back
          // as soon as the server is.
          retryDelay = Math.min(retryDelay * 2, 1_000);
          scheduleReconnect();
        },
      );
    }, retryDelay).unref();
  }

  async function ensureConnected(): Promise<pg.Client> {
    if (client) return client;
    connecting ??= connect().finally(() => (connecting = undefined));
    client = await connecting;
    return client;
  }

  return {
    listen: async (channel: string, onMessage: NotificationHandler, onReconnect?: () => void): Promise<void> => {
      channels.set(channel, { onMessage, ...(onReconnect ? { onReconnect } : {}) });
      const connected = await ensureConnected();
      await connected.query(`LISTEN ${quoteIdentifier(channel)}`);
    },
    close: async (): Promise<void> => {
      closed = true;
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
