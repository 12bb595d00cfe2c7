import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listQuerySchema, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, Timestamp, Uuid, IdParams } from '../../http/schemas.ts';
import { apiKeyPrefix } from './api-key-format.ts';
import type { ApiKeysService } from './api-keys-service.ts';
import type { ApiKey } from './api-keys-store.ts';
import { SCOPES } from './scopes.ts';
import { access } from '../../http/access-control.ts';

const ScopeSchema = Type.Enum(SCOPES);
const ApiKeySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    scopes: Type.Array(ScopeSchema),
    prefix: Type.String({ description: 'The visible start of the key (`mak_<public id>`), to recognize it' }),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: { ...Timestamp, description: 'Written at most once a minute' },
  },
  { additionalProperties: false },
);
const CreatedApiKeySchema = Type.Object(
  { ...ApiKeySchema.properties, key: Type.String({ description: 'Shown once: the whole key, sent as `Authorization: Bearer <key>`' }) },
  { additionalProperties: false },
);
const KeyParams = Type.Object({ id: Uuid, keyId: Uuid });
const errors = errorResponses(400, 401, 404);

function presentApiKey(apiKey: ApiKey) {
  return {
    id: apiKey.id,
    name: apiKey.name,
    scopes: apiKey.scopes,
    prefix: apiKeyPrefix(apiKey.publicId),
    created_at: apiKey.createdAt.toISOString(),
    last_used_at: apiKey.lastUsedAt?.toISOString() ?? null,
  };
}

export function apiKeysRoutes(service: ApiKeysService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['organizations'];

    app.post(
      '/organizations/:id/api-keys',
      {
        config: access.organization('api-keys:manage'),
        schema: {
          tags,
          summary: 'Create an API key for machines; the answer holds the key, shown this once',
          params: IdParams,
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }),
              scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: SCOPES.length * 2 }),
            },
            { additionalProperties: false },
          ),
          response: { 201: CreatedApiKeySchema, ...errors },
        },
      },
      async (request, reply) => {
        const { apiKey, key } = await service.create(request.params.id, { name: request.body.name.trim(), scopes: request.body.scopes });
        return reply.code(201).send({ ...presentApiKey(apiKey), key });
      },
    );

    app.get(
      '/organizations/:id/api-keys',
      {
        config: access.organization('api-keys:manage'),
        schema: {
          tags,
          summary: "List an organization's API keys (not revoked ones; never the keys themselves)",
          params: IdParams,
          querystring: listQuerySchema(['name', 'created_at', 'last_used_at'] as const, 'created_at', {}),
          response: { 200: pageSchema(ApiKeySchema), ...errors },
        },
      },
      async (request) => {
        const { page, page_size, sort, order } = request.query;
        return presentPage(await service.list(request.params.id, { page, pageSize: page_size, sort, order }), presentApiKey);
      },
    );

    app.delete(
      '/organizations/:id/api-keys/:keyId',
      {
        config: access.organization('api-keys:manage'),
        schema: {
          tags,
          summary: 'Revoke an API key, on every node at once',
          params: KeyParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        await service.revoke(request.params.id, request.params.keyId);
        return reply.code(204).send(null);
      },
    );
  };
}
