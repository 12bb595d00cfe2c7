import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../../http/schemas.ts';
import type { WebhooksService } from './webhooks-service.ts';
import type { Webhook } from './webhooks-store.ts';
import { access } from '../../http/access-control.ts';

const WebhookSchema = Type.Object({
  id: Type.String(),
  organization_id: Type.String(),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const WebhookParams = Type.Object({ id: Type.String({ format: 'uuid' }), webhookId: Type.String({ format: 'uuid' }) });
const errors = errorResponses(400, 401, 404);

const present = (webhook: Webhook) => ({
  id: webhook.id,
  organization_id: webhook.organizationId,
  url: webhook.url,
  description: webhook.description,
  created_at: webhook.createdAt.toISOString(),
});

/** An organization's webhooks: `POST/GET/DELETE /api/v1/organizations/:id/webhooks`, and a test delivery. */
export function webhooksRoutes(webhooks: WebhooksService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['alerts'];

    app.post(
      '/organizations/:id/webhooks',
      {
        config: access.organization('webhooks:manage'),
        schema: {
          tags,
          summary: 'Add a webhook; the answer carries its signing secret, shown once',
          params: Params,
          body: Type.Object(
            { url: Type.String({ minLength: 1, maxLength: 2048 }), description: Type.Optional(Type.String({ maxLength: 255 })) },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ ...WebhookSchema.properties, secret: Type.String({ description: 'Key of the X-Muster-Signature HMAC-SHA256' }) }),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const created = await webhooks.create(request.params.id, request.body.url, request.body.description ?? null);
        return reply.code(201).send({ ...present(created.webhook), secret: created.secret });
      },
    );

    app.get(
      '/organizations/:id/webhooks',
      {
        config: access.organization('webhooks:manage'),
        schema: {
          tags,
          summary: "An organization's webhooks",
          params: Params,
          response: { 200: Type.Object({ items: Type.Array(WebhookSchema) }), ...errors },
        },
      },
      async (request) => {
        return { items: (await webhooks.list(request.params.id)).map(present) };
      },
    );

    app.delete(
      '/organizations/:id/webhooks/:webhookId',
      {
        config: access.organization('webhooks:manage'),
        schema: { tags, summary: 'Remove a webhook', params: WebhookParams, response: { 204: Type.Null(), ...errors } },
      },
      async (request, reply) => {
        await webhooks.delete(request.params.id, request.params.webhookId);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/organizations/:id/webhooks/:webhookId/test',
      {
        config: access.organization('webhooks:manage'),
        schema: {
          tags,
          summary: 'Send a test event to the webhook now and report its answer',
          params: WebhookParams,
          response: {
            200: Type.Object({ delivered: Type.Boolean(), status: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]) }),
            ...errors,
          },
        },
      },
      async (request) => webhooks.test(request.params.id, request.params.webhookId),
    );
  };
}
