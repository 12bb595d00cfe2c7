import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { orderQuery, PageQuery, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { LIVENESS_STATUSES } from '../systems/index.ts';
import type { LivenessService } from './liveness-service.ts';
import type { LivenessEvent } from './liveness-store.ts';
import { access } from '../../http/access-control.ts';

const Status = Type.Enum(LIVENESS_STATUSES);

const LivenessEventSchema = Type.Object(
  {
    id: Type.Integer(),
    system_id: Type.String({ format: 'uuid' }),
    from: Status,
    to: Status,
    occurred_at: Type.String({ format: 'date-time', description: 'When the threshold was crossed or the heartbeat arrived' }),
    recorded_at: Type.String({ format: 'date-time', description: 'When Muster recorded the transition' }),
  },
  { additionalProperties: false },
);

function present(event: LivenessEvent) {
  return {
    id: event.id,
    system_id: event.systemId,
    from: event.fromStatus,
    to: event.toStatus,
    occurred_at: event.occurredAt.toISOString(),
    recorded_at: event.recordedAt.toISOString(),
  };
}

/** `GET /api/v1/systems/:id/events`: the system's liveness transitions, newest first by default. */
export function livenessRoutes(liveness: LivenessService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/systems/:id/events',
      {
        config: access.system('systems:read'),
        schema: {
          tags: ['systems'],
          summary: "A system's liveness transitions",
          params: IdParams,
          querystring: Type.Object({
            ...PageQuery,
            order: orderQuery('desc', 'By time'),
          }),
          response: { 200: pageSchema(LivenessEventSchema), ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const { page, page_size, order } = request.query;
        return presentPage(await liveness.listEvents(request.params.id, { page, pageSize: page_size }, order), present);
      },
    );
  };
}
