import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Db } from '../../db/db.ts';

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

/** `GET /api/health` (no auth): 200 with version information, 503 when the database or the job runner is unhealthy. */
/** 200 when the database answers and the job runner reports no error; 503 otherwise. */
export function healthRoutes(db: Db, jobsHealthy: () => boolean, timeoutMs = 2000): FastifyPluginAsyncTypebox {
  async function databaseHealthy(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const probe = db.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return async (app) => {
    app.get(
      '/api/health',
      { schema: { tags: ['appliance'], summary: 'Service health and version', response: { 200: HealthAnswer, 503: HealthAnswer } } },
      async (_request, reply) => {
        const databaseUp = await databaseHealthy();
        const jobsUp = jobsHealthy();
        const healthy = databaseUp && jobsUp;
        const code = healthy ? 200 : 503;
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
