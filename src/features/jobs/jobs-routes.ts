import type { Db } from '../../db/db.ts';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { NotFoundError } from '../../errors/errors.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { access } from '../../http/access-control.ts';

const QueueName = Type.String({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9._-]+$' });
const errors = errorResponses(400, 401, 404);

/** Background jobs for operators: queue depth, dead jobs, and retrying them. */
/** `db` runs a retry's move in a transaction of its own (so the audit row is part of it). */
export function jobsRoutes(jobs: JobQueue, db: Db): FastifyPluginAsyncTypebox {
  function assertQueue(name: string): void {
    if (!jobs.isDefined(name)) throw new NotFoundError(`no job queue named '${name}'`);
  }

  return async (app) => {
    const tags = ['jobs'];

    app.get(
      '/jobs',
      {
        config: access.global('jobs:manage'),
        schema: {
          tags,
          summary: 'Every queue: jobs waiting, running, and dead (retries exhausted), counted when asked',
          response: {
            200: Type.Object({
              healthy: Type.Boolean(),
              queues: Type.Array(Type.Object({ name: Type.String(), queued: Type.Integer(), active: Type.Integer(), dead: Type.Integer() })),
            }),
            ...errorResponses(401),
          },
        },
      },
      async () => ({ healthy: await jobs.healthy(), queues: await jobs.status() }),
    );

    app.get(
      '/jobs/:queue/dead',
      {
        config: access.global('jobs:manage'),
        schema: {
          tags,
          summary: 'Dead jobs of a queue, with the error of their last attempt',
          params: Type.Object({ queue: QueueName }),
          response: {
            200: Type.Object({
              items: Type.Array(Type.Object({ id: Type.String(), queue: Type.String(), data: Type.Any(), error: Type.Any(), created_at: Type.String() })),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        assertQueue(request.params.queue);
        const dead = await jobs.deadJobs(request.params.queue);
        return {
          items: dead.map((job) => ({ id: job.id, queue: job.queue, data: job.data, error: job.error ?? null, created_at: job.createdOn.toISOString() })),
        };
      },
    );

    app.post(
      '/jobs/:queue/dead/:id/retry',
      {
        config: access.global('jobs:manage'),
        schema: {
          tags,
          summary: 'Send a dead job back to its queue for a fresh set of attempts',
          params: Type.Object({ queue: QueueName, id: Type.String({ format: 'uuid' }) }),
          response: { 200: Type.Object({ retried: Type.Boolean() }), ...errors },
        },
      },
      async (request) => {
        assertQueue(request.params.queue);
        // Refused inside the transaction, so that nothing (and no success in the audit log) is committed.
        await db.transaction(async (tx) => {
          if (!(await jobs.retryDead(request.params.queue, request.params.id, tx))) {
            throw new NotFoundError(`no dead job ${request.params.id} in '${request.params.queue}'`);
          }
        });
        return { retried: true };
      },
    );
  };
}
