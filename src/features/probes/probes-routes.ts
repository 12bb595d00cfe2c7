import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../../db/db.ts';
import { DATABASE_RETRY_AFTER_SECONDS } from '../../errors/errors.ts';

const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

export const VERSION = packageJson.version;

const HealthAnswer = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  data: Type.Object({
    version: Type.String(),
    node_version: Type.String(),
    platform: Type.String(),
    database: Type.Object({ driver: Type.String(), healthy: Type.Boolean() }),
    jobs: Type.Object({ healthy: Type.Boolean() }),
    uptime_seconds: Type.Integer(),
  }),
});

export interface HealthChecks {
  /** The database answers within the probe's timeout. */
  database(): Promise<boolean>;
  /** The job runner is healthy, answered within the probe's timeout. */
  jobs(): Promise<boolean>;
}

/** Checks made afresh at each call, each bounded by `timeoutMs` (a silent database is unhealthy, not a hang). */
export function createHealthChecks(db: Db, jobsHealthy: () => Promise<boolean>, timeoutMs = 2000): HealthChecks {
  async function within(check: () => Promise<boolean>): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const probe = check().catch(() => false);
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
  return {
    database: () => within(() => db.query('SELECT 1').then(() => true)),
    jobs: () => within(jobsHealthy),
  };
}

/**
 * `GET /api/health` (no auth): 200 with version information; 503 (with Retry-After) while the
 * database does not answer in time or the job runner is unhealthy. Both are checked afresh at
 * each request, so it is 200 again as soon as the database is back.
 */
export function probesRoutes(db: Db, checks: HealthChecks): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/api/health',
      { schema: { tags: ['appliance'], summary: 'Service health and version', response: { 200: HealthAnswer, 503: HealthAnswer } } },
      async (_request, reply) => {
        const [databaseUp, jobsUp] = await Promise.all([checks.database(), checks.jobs()]);
        const healthy = databaseUp && jobsUp;
        const code = healthy ? 200 : 503;
        if (!healthy) void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        return reply.code(code).send({
          code,
          message: healthy ? 'service healthy' : 'service unhealthy',
          data: {
            version: VERSION,
            node_version: process.version,
            platform: `${process.platform}/${process.arch}`,
            database: { driver: db.kind, healthy: databaseUp },
            jobs: { healthy: jobsUp },
            uptime_seconds: Math.floor(process.uptime()),
          },
        });
      },
    );
  };
}
