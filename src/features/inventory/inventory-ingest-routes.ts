import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { BodyBudget } from '../../http/body-budget.ts';
import { decodedBody } from '../../http/decoded-body.ts';
import { errorResponses } from '../../http/schemas.ts';
import { requireSystem, type SystemAuthenticator } from '../systems/index.ts';
import type { InventoryService } from './inventory-service.ts';

const InventoryAnswer = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  data: Type.Object({
    changes_detected: Type.Boolean({ description: "True when this inventory's canonical hash differs from the previous one" }),
    data_size: Type.Integer({ description: 'Bytes received (after gzip decoding)' }),
    message: Type.String(),
    queue_status: Type.String(),
    system_id: Type.String(),
    timestamp: Type.String({ format: 'date-time' }),
  }),
});

/** `POST /api/systems/inventory`: any JSON object, plain or gzip, up to API_MAX_REQUEST_SIZE. */
export function inventoryIngestRoutes(
  service: InventoryService,
  authenticator: SystemAuthenticator,
  maxRequestSize: number,
  budget: BodyBudget,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    // The raw bytes are the inventory, whatever the declared content type.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxRequestSize }, (_request, body, done) => done(null, body));

    app.post(
      '/api/systems/inventory',
      {
        onRequest: requireSystem(authenticator),
        // Counted against the in-flight budget as decoded, below.
        config: { bodyBudget: 'decoded' },
        preParsing: decodedBody(budget),
        schema: {
          tags: ['appliance'],
          summary: 'Send an inventory: the whole JSON body is the snapshot',
          security: [{ systemCredentials: [] }],
          response: { 202: InventoryAnswer, ...errorResponses(400, 401, 413, 503) },
        },
      },
      async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const result = await service.ingest(request.system.id, body);
        return reply.code(202).send({
          code: 200,
          message: 'Inventory received and queued for processing',
          data: {
            changes_detected: result.changesDetected,
            data_size: result.size,
            message: 'Your inventory data has been received and will be processed shortly',
            queue_status: 'queued',
            system_id: request.system.id,
            timestamp: result.receivedAt.toISOString(),
          },
        });
      },
    );
  };
}
