import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../clock/clock.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { invalidCredentialsError, requireSystem, type SystemAuthenticator } from '../systems/index.ts';
import type { HeartbeatBatcher } from './heartbeat-batcher.ts';

const HeartbeatAnswer = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  data: Type.Object({
    system_key: Type.String(),
    acknowledged: Type.Boolean(),
    last_heartbeat: Type.String({ format: 'date-time' }),
  }),
});

/** Largest heartbeat body read (and dropped); larger ones get 413. */
export const HEARTBEAT_MAX_BODY_SIZE = 64 * 1024;

export interface HeartbeatsRoutesDeps {
  batcher: HeartbeatBatcher;
  authenticator: SystemAuthenticator;
  clock: Clock;
  metrics: Metrics;
  maxRequestSize: number;
}

/** `POST /api/systems/heartbeat`: the body is ignored; the answer comes once the heartbeat is committed. */
export function heartbeatsRoutes(deps: HeartbeatsRoutesDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Whatever the appliance sends (`{}`, nothing, any content type) is read and dropped unparsed.
    app.removeAllContentTypeParsers();
    const discard = (_request: unknown, _body: Buffer, done: (error: null, body: undefined) => void) => done(null, undefined);
    // Fastify caches the parser found for a content type, except the catch-all one: naming what
    // appliances send spares every heartbeat a parse of its Content-Type header. Bodies are
    // small (`{}`) but are read before being dropped: a small limit keeps what many
    // concurrent heartbeats hold bounded without counting each one against the in-flight budget.
    const bodyLimit = Math.min(deps.maxRequestSize, HEARTBEAT_MAX_BODY_SIZE);
    app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, discard);
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, discard);

    // onError, not onResponse: nothing runs on the success path.
    app.addHook('onError', async (_request, _reply, error: { statusCode?: number }) => {
      if (error.statusCode === 401) deps.metrics.heartbeatsRejected.inc({ reason: 'unauthorized' });
      else if (error.statusCode === 503) deps.metrics.heartbeatsRejected.inc({ reason: 'unavailable' });
    });

    app.post(
      '/api/systems/heartbeat',
      {
        onRequest: requireSystem(deps.authenticator),
        bodyLimit,
        config: { bodyBudget: 'exempt' },
        schema: {
          tags: ['appliance'],
          summary: 'Report that the appliance is alive',
          security: [{ systemCredentials: [] }],
          response: { 200: HeartbeatAnswer, ...errorResponses(401, 413, 503) },
        },
      },
      async (request) => {
        const at = deps.clock.now();
        const stored = await deps.batcher.submit(request.system.id, at);
        // Suspended, deleted or destroyed between authentication and the write.
        if (!stored) throw invalidCredentialsError();
        return {
          code: 200,
          message: 'heartbeat acknowledged',
          data: { system_key: request.system.systemKey, acknowledged: true, last_heartbeat: at.toISOString() },
        };
      },
    );
  };
}
