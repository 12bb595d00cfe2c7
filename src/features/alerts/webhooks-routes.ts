import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../clock/clock.ts';
import { BadRequestError, NotFoundError } from '../../errors/errors.ts';
import { ErrorEnvelope } from '../../http/schemas.ts';
import type { OrganizationsService } from '../organizations/organizations-service.ts';
import type { AlertDeliveries } from './deliveries-service.ts';
import type { Webhook, WebhooksStore } from './webhooks-store.ts';

const WebhookSchema = Type.Object({
  id: Type.String(),
  organization_id: Type.String(),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String({ format: 'date-time' }),
});
const Params = Type.Object({ id: Type.String({ format: 'uuid' }) });
const WebhookParams = Type.Object({ id: Type.String({ format: 'uuid' }), webhookId: Type.String({ format: 'uuid' }) });
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope };

const present = (webhook: Webhook) => ({
  id: webhook.id,
  organization_id: webhook.organizationId,
  url: webhook.url,
  description: webhook.description,
  created_at: webhook.createdAt.toISOString(),
});

function validUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadRequestError('url must be an absolute http(s) URL', { errors: [{ field: 'url', message: 'is not a URL' }] });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BadRequestError('url must be an absolute http(s) URL', { errors: [{ field: 'url', message: 'must use http or https' }] });
  }
  return url.toString();
}

/** An organization's webhooks: `POST/GET/DELETE /api/v1/organizations/:id/webhooks`, and a test delivery. */
export function webhooksRoutes(store: WebhooksStore, organizations: OrganizationsService, deliveries: AlertDeliveries, clock: Clock): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['alerts'];

    app.post(
      '/organizations/:id/webhooks',
      {
        schema: {
          tags,
          summary: "Add a webhook; the answer carries its signing secret, shown once",
          params: Params,
          body: Type.Object({ url: Type.String({ minLength: 1, maxLength: 2048 }), description: Type.Optional(Type.String({ maxLength: 255 })) }, { additionalProperties: false }),
          response: { 201: Type.Object({ ...WebhookSchema.properties, secret: Type.String({ description: 'Key of the X-Muster-Signature HMAC-SHA256' }) }), ...errors },
        },
      },
      async (request, reply) => {
        await organizations.get(request.params.id);
        const created = await store.create(request.params.id, validUrl(request.body.url), request.body.description ?? null, clock.now());
        return reply.code(201).send({ ...present(created.webhook), secret: created.secret });
      },
    );

    app.get(
      '/organizations/:id/webhooks',
      { schema: { tags, summary: "An organization's webhooks", params: Params, response: { 200: Type.Object({ items: Type.Array(WebhookSchema) }), ...errors } } },
      async (request) => {
        await organizations.get(request.params.id);
        return { items: (await store.list(request.params.id)).map(present) };
      },
    );

    app.delete(
      '/organizations/:id/webhooks/:webhookId',
      { schema: { tags, summary: 'Remove a webhook', params: WebhookParams, response: { 204: Type.Null(), ...errors } } },
      async (request, reply) => {
        if (!(await store.delete(request.params.id, request.params.webhookId))) throw new NotFoundError(`webhook ${request.params.webhookId} not found`);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/organizations/:id/webhooks/:webhookId/test',
      {
        schema: {
          tags,
          summary: 'Send a test event to the webhook now and report its answer',
          params: WebhookParams,
          response: { 200: Type.Object({ delivered: Type.Boolean(), status: Type.Union([Type.Integer(), Type.Null()]), error: Type.Union([Type.String(), Type.Null()]) }), ...errors },
        },
      },
      async (request) => deliveries.test(request.params.id, request.params.webhookId),
    );
  };
}
