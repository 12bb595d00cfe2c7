import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorEnvelope } from '../../http/schemas.ts';
import type { SystemsStore } from '../systems/systems-store.ts';

const Summary = Type.Object({
  total: Type.Integer({ description: 'Systems that are not deleted' }),
  by_status: Type.Object({
    unknown: Type.Integer(),
    active: Type.Integer(),
    warning: Type.Integer(),
    inactive: Type.Integer(),
  }),
  suspended: Type.Integer(),
  deleted: Type.Integer(),
});

/** `GET /api/v1/summary`: fleet totals by liveness status, optionally for one organization. */
export function summaryRoutes(systems: SystemsStore): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/summary',
      {
        schema: {
          tags: ['fleet'],
          summary: 'Fleet totals by liveness status',
          querystring: Type.Object({ organization_id: Type.Optional(Type.String({ format: 'uuid' })) }),
          response: { 200: Summary, 400: ErrorEnvelope, 401: ErrorEnvelope },
        },
      },
      async (request) => {
        const counts = await systems.countByStatus(request.query.organization_id);
        return {
          total: counts.total,
          by_status: { unknown: counts.unknown, active: counts.active, warning: counts.warning, inactive: counts.inactive },
          suspended: counts.suspended,
          deleted: counts.deleted,
        };
      },
    );
  };
}
