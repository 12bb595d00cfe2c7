import { PgBoss, fromPglite } from 'pg-boss';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/database-unavailable.ts';
import type { Db, Sql } from '../db/db.ts';
import { answerTimeoutMs } from '../db/postgres-db.ts';
import { createFailureLog } from '../logging/failure-log.ts';

export interface QueueDefinition {
  name: string;
  /** Attempts after the first; then the job is dead (moved to `<name>.dead`). */
  retryLimit: number;
  /** First retry delay in seconds; doubled at each attempt, with jitter. */
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number;
  /** A job running longer than this is considered crashed and retried. */
  expireInSeconds: number;
  /**
   * `short`: at most one waiting job per singleton key (a new one is dropped while one waits;
   * one may wait while another runs). For jobs that process "everything pending for X".
   */
  policy?: 'standard' | 'short';
}

export interface QueueStatus {
  name: string;
  /** Waiting to run, including retries waiting out their delay. */
  queued: number;
  active: number;
  /** Retries exhausted: kept in the dead-letter queue until retried or deleted. */
  dead: number;
}

export interface DeadJob {
  id: string;
  queue: string;
  data: unknown;
  error: unknown;
  createdOn: Date;
}

export interface JobQueueOptions {
  db: Db;
  logger: Logger;
}

export type JobHandler<T> = (data: T) => Promise<void>;

/** A job to add: its data, and where it differs from its queue's definition, its own retry limit. */
export interface QueuedJob {
  data: object;
  singletonKey?: string;
  /** Attempts after the first for this job (the queue's retryLimit otherwise). */
  retryLimit?: number;
}

/** Jobs to add, as pg-boss's statement for them and that statement's only parameter (`$1`). */
export interface JobInsertStatement {
  text: string;
  payload: string;
}

/**
 * One `INSERT … ON CONFLICT DO NOTHING` whose only parameter is `$1`: a statement that can be one
 * data-modifying CTE of another (a `WITH` of its own, or a second statement, could not).
 */
function isPlainInsert(text: string): boolean {
  const parameters = new Set(text.match(/\$\d+/g));
  return /^\s*INSERT INTO /.test(text) && /ON CONFLICT DO NOTHING\s*$/.test(text) && !text.includes(';') && parameters.size === 1 && parameters.has('$1');
}

const deadQueueOf = (name: string) => `${name}.dead`;
const UNHEALTHY_AFTER_ERROR_MS = 60_000;

/**
 * Durable background jobs stored in the same database (pg-boss): retries with exponential
 * backoff and jitter, a dead-letter queue per queue, jobs that survive restarts and crashes,
 * any number of processes working one queue. Jobs are enqueued inside the caller's transaction,
 * so a job exists exactly when the write it follows committed.
 */
export function createJobQueue(options: JobQueueOptions) {
  const { db, logger } = options;
  const embedded = db.embedded;
  const server = db.server;
  if (!embedded && !server) throw new Error('the job runner needs an embedded database or a PostgreSQL server');
  // Next to the database's own tables: `pgboss`, or `<schema>_jobs` when Muster has its own schema.
  const schema = server?.schema ? `${server.schema}_jobs` : 'pgboss';
  const boss = new PgBoss({
    schema,
    ...(embedded ? { db: fromPglite(embedded), backend: 'pglite' as const } : serverConnections(server!)),
    // Muster runs its own periodic work; no cron schedules here.
    schedule: false,
    // Job expiry and pg-boss's own cached queue counts (not those Muster reports: see status()).
    monitorIntervalSeconds: 10,
    superviseIntervalSeconds: 10,
  });
  // Unhealthy for a minute after the job runner's last failure. A database that is unavailable is
  // not counted: the health check sees that for itself, and it is over when the database is back.
  let lastFailureAt = 0;
  const logFailure = createFailureLog(logger);
  boss.on('error', (error: Error) => {
    if (!isDatabaseUnavailable(error)) lastFailureAt = Date.now();
    logFailure(error, {}, 'job runner error');
  });
  const definitions = new Map<string, QueueDefinition>();

  /** pg-boss's statements, run through the caller's transaction. */
  const inTransaction = (tx: Sql) => ({
    executeSql: async (text: string, values?: unknown[]) => ({ rows: (await tx.query(text, values ?? [])).rows }),
  });

  return {
    async start(): Promise<void> {
      await boss.start();
      // Running jobs counted through an index of their own (pg-boss has one for waiting jobs
      // only), so status() never reads the completed jobs kept for days. Under a lock: nodes
      // starting together must not both create it.
      await db.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':job-active-index'))");
        await tx.query(`CREATE INDEX IF NOT EXISTS job_active_by_name ON ${schema}.job (name) WHERE state = 'active'`);
      });
    },

    async define(definition: QueueDefinition): Promise<void> {
      definitions.set(definition.name, definition);
      await boss.createQueue(deadQueueOf(definition.name), { retentionSeconds: 30 * 86_400, deleteAfterSeconds: 30 * 86_400 });
      await boss.createQueue(definition.name, {
        retryLimit: definition.retryLimit,
        retryDelay: definition.retryDelaySeconds,
        retryBackoff: true,
        retryDelayMax: definition.retryDelayMaxSeconds,
        expireInSeconds: definition.expireInSeconds,
        deadLetter: deadQueueOf(definition.name),
        policy: definition.policy ?? 'standard',
      });
      // Loads the queue into pg-boss's cache now: a cache miss inside enqueue() would query the
      // database outside the caller's transaction, which on PGlite (one connection) waits for that
      // very transaction to end.
      await boss.insert(definition.name, []);
    },

    /**
     * Adds a job in `tx`: it is there if and only if the transaction commits. On a `short` queue,
     * nothing is added while a job with the same singleton key is already waiting.
     */
    async enqueue(tx: Sql, queue: string, data: object, options: { singletonKey?: string } = {}): Promise<void> {
      await boss.send(queue, data, { db: inTransaction(tx), ...options });
    },

    /**
     * Adds several jobs to one queue in `tx`, in one statement. On a `short` queue, a job whose
     * singleton key already has one waiting (or comes earlier in the list) is not added.
     */
    async enqueueMany(tx: Sql, queue: string, jobs: readonly QueuedJob[]): Promise<void> {
      if (jobs.length === 0) return;
      await boss.insert(
        queue,
        jobs.map((job) => ({ ...job })),
        { db: inTransaction(tx) },
      );
    },

    /**
     * pg-boss's own statement adding these jobs to `queue` (its `insert()`, not run), for a caller
     * that runs it as part of one larger statement, so the jobs cost no round trip of their own.
     * Its one parameter, the jobs, is `$1`. Undefined when pg-boss would not add them with one
     * plain `INSERT` (a queue with `notify`, a future pg-boss): enqueue them with `enqueueMany`.
     */
    async insertStatement(queue: string, jobs: readonly { data: object; singletonKey?: string }[]): Promise<JobInsertStatement | undefined> {
      if (jobs.length === 0) return undefined;
      let statement: JobInsertStatement | undefined;
      const capture = {
        executeSql: (text: string, values?: unknown[]) => {
          statement = { text, payload: values?.[0] as string };
          return Promise.resolve({ rows: [] });
        },
      };
      await boss.insert(
        queue,
        jobs.map((job) => ({ ...job })),
        { db: capture },
      );
      if (!statement || !isPlainInsert(statement.text) || typeof statement.payload !== 'string') return undefined;
      return statement;
    },

    /** Runs `handler` for jobs of `queue` in this process; a throw schedules a retry. */
    async work<T extends object>(queue: string, handler: JobHandler<T>, concurrency = 2): Promise<void> {
      // A worker fetches once per polling interval: batches keep a long queue moving. Each job of
      // a batch settles on its own, so one failure retries only that job.
      await boss.work<T>(queue, { batchSize: 10, localConcurrency: concurrency, pollingIntervalSeconds: 0.5, perJobResults: true }, async (jobs) => {
        return Promise.all(
          jobs.map((job) =>
            handler(job.data).then(
              () => ({ id: job.id, status: 'completed' as const }),
              (error: unknown) => {
                const failure = error instanceof Error ? error : new Error(String(error));
                return { id: job.id, status: 'failed' as const, output: { name: failure.name, message: failure.message } };
              },
            ),
          ),
        );
      });
    },

    /**
     * Runs `handler` for batches of jobs of `queue` in this process, several jobs handled at once
     * (one transaction for many, say). When a batch fails, its jobs are handled one by one, so
     * one failure retries only that job.
     */
    async workBatches<T extends object>(
      queue: string,
      handler: (batch: T[]) => Promise<void>,
      options: { batchSize: number; concurrency: number },
    ): Promise<void> {
      await boss.work<T>(
        queue,
        { batchSize: options.batchSize, localConcurrency: options.concurrency, pollingIntervalSeconds: 0.5, perJobResults: true },
        async (jobs) => {
          try {
            await handler(jobs.map((job) => job.data));
            return jobs.map((job) => ({ id: job.id, status: 'completed' as const }));
          } catch {
            return Promise.all(
              jobs.map((job) =>
                handler([job.data]).then(
                  () => ({ id: job.id, status: 'completed' as const }),
                  (error: unknown) => {
                    const failure = error instanceof Error ? error : new Error(String(error));
                    return { id: job.id, status: 'failed' as const, output: { name: failure.name, message: failure.message } };
                  },
                ),
              ),
            );
          }
        },
      );
    },

    /** Runs pg-boss's monitoring pass now (job expiry, and the counts it caches in its queue table). */
    async recount(): Promise<void> {
      await boss.supervise();
    },

    /**
     * Jobs each queue holds now, counted in the job table. Not pg-boss's getQueues(): its counts
     * are a cache in the queue table that only its monitoring pass rewrites, every
     * monitorIntervalSeconds at best, and not at all while its vacuum-safety backoff holds (two
     * autovacuum naptimes or more after a slow count), so after a burst the API and /metrics
     * went on reporting the burst. Cheap: waiting jobs are read through pg-boss's partial index
     * of them (`state < 'active' AND NOT blocked`; Muster has no flows, so no job is ever
     * blocked), running ones through job_active_by_name; completed jobs are never read.
     */
    async status(): Promise<QueueStatus[]> {
      const names = [...definitions.keys()];
      const { rows } = await db.query<{ name: string; state: 'waiting' | 'active'; count: number }>(
        `SELECT name, 'waiting' AS state, count(*)::int AS count FROM ${schema}.job
           WHERE name = ANY($1::text[]) AND state < 'active' AND NOT blocked GROUP BY name
         UNION ALL
         SELECT name, 'active', count(*)::int FROM ${schema}.job WHERE name = ANY($2::text[]) AND state = 'active' GROUP BY name`,
        [[...names, ...names.map(deadQueueOf)], names],
      );
      const count = (name: string, state: 'waiting' | 'active') => rows.find((row) => row.name === name && row.state === state)?.count ?? 0;
      // A dead job waits in the dead-letter queue.
      return names.map((name) => ({ name, queued: count(name, 'waiting'), active: count(name, 'active'), dead: count(deadQueueOf(name), 'waiting') }));
    },

    async deadJobs(queue: string): Promise<DeadJob[]> {
      const jobs = await boss.findJobs(deadQueueOf(queue), { queued: true });
      return jobs.map((job) => {
        // The dead-letter copy carries the failed job's last output: the error, with its stack.
        const failure = (job as { sourceOutput?: { name?: unknown; message?: unknown } | null }).sourceOutput;
        const error = failure ? { name: failure.name ?? 'Error', message: failure.message ?? null } : null;
        return { id: job.id, queue, data: job.data, error, createdOn: job.createdOn };
      });
    },

    /** Moves a dead job back to its queue, to be tried again from its first attempt; in `tx` when given. */
    async retryDead(queue: string, id: string, tx?: Sql): Promise<boolean> {
      const moved = await boss.redrive(deadQueueOf(queue), { ids: [id], destination: queue, ...(tx ? { db: inTransaction(tx) } : {}) });
      return moved > 0;
    },

    isDefined: (queue: string) => definitions.has(queue),

    /** Healthy: its own connection to the database answers, and no other failure in the last minute. */
    async healthy(): Promise<boolean> {
      if (Date.now() - lastFailureAt <= UNHEALTHY_AFTER_ERROR_MS) return false;
      return boss
        .getDb()
        .executeSql('SELECT 1')
        .then(
          () => true,
          () => false,
        );
    },

    /** Stops fetching and waits for running jobs (up to `timeoutMs`). */
    async stop(timeoutMs: number): Promise<void> {
      await boss.stop({ graceful: true, timeout: timeoutMs, close: embedded === undefined });
    },
  };
}

export type JobQueue = ReturnType<typeof createJobQueue>;

/** pg-boss's own pool on PostgreSQL, with the timeouts Muster's driver uses (so none of its statements hangs either). */
function serverConnections(server: NonNullable<Db['server']>) {
  return {
    connectionString: server.connectionString,
    max: 4,
    connectionTimeoutMillis: server.connectTimeoutMs,
    ...(server.statementTimeoutMs > 0
      ? {
          options: `-c statement_timeout=${server.statementTimeoutMs}`,
          // Passed through to node-postgres: an answer that never comes is given up on too.
          query_timeout: answerTimeoutMs(server.statementTimeoutMs, server.connectTimeoutMs),
        }
      : {}),
  };
}
