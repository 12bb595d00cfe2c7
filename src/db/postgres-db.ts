import pg from 'pg';
import type { Logger } from 'pino';
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
}

export async function openPostgresDb(options: PostgresOptions): Promise<Db> {
  const clientConfig: pg.ClientConfig = {
    connectionString: options.connectionString,
    types,
    // UTC sessions, so date arithmetic in SQL (retention buckets, timeline days) does not depend
    // on the server's time zone.
    options: `-c TimeZone=UTC${options.schema ? ` -c search_path=${options.schema}` : ''}`,
  };
  const pool = new pg.Pool({ ...clientConfig, max: options.poolSize, idleTimeoutMillis: 30_000 });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle database connection failed'));
  await pool.query('SELECT 1');

  const listener = createListener(clientConfig, options.logger);

  const wrap = (runner: pg.Pool | pg.PoolClient): Sql => ({
    async query<Row>(text: string, params: readonly unknown[] = [], options: QueryOptions = {}): Promise<QueryResult<Row>> {
      const values = params as unknown[];
      const result = await runner.query(options.prepareAs ? { name: options.prepareAs, text, values } : { text, values });
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.rows.length };
    },
  });

  async function begin(): Promise<OpenTransaction> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    let released = false;
    return {
      sql: wrap(client),
      async commit() {
        await client.query('COMMIT');
        released = true;
        client.release();
      },
      async rollback() {
        if (released) return;
        released = true;
        // A failed ROLLBACK means the connection is broken: destroy it instead of reusing it.
        const broken = await client.query('ROLLBACK').then(
          () => undefined,
          (rollbackError: unknown) => rollbackError as Error,
        );
        client.release(broken);
      },
    };
  }

  return {
    kind: 'postgres',
    server: { connectionString: options.connectionString, schema: options.schema },
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
          retryDelay = Math.min(retryDelay * 2, 10_000);
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
