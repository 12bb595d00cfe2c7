import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ForbiddenError } from '../../errors/errors.ts';
import { access } from '../../http/access-control.ts';
import { listQuerySchema, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams, Timestamp } from '../../http/schemas.ts';
import { personalTokenFormat } from './personal-token-format.ts';
import type { PersonalTokensService } from './personal-tokens-service.ts';
import type { PersonalToken } from './personal-tokens-store.ts';

const PersonalTokenSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    prefix: Type.String({ description: 'The visible start of the token (`mpt_<public id>`), to recognize it' }),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: { ...Timestamp, description: 'When it stops working; null: never' },
    last_used_at: { ...Timestamp, description: 'Written at most once a minute' },
  },
  { additionalProperties: false },
);
const CreatedPersonalTokenSchema = Type.Object(
  { ...PersonalTokenSchema.properties, token: Type.String({ description: 'Shown once: the whole token, sent as `Authorization: Bearer <token>`' }) },
  { additionalProperties: false },
);
const errors = errorResponses(400, 404);

function present(token: PersonalToken) {
  return {
    id: token.id,
    name: token.name,
    prefix: personalTokenFormat.visiblePart(token.publicId),
    created_at: token.createdAt.toISOString(),
    expires_at: token.expiresAt?.toISOString() ?? null,
    last_used_at: token.lastUsedAt?.toISOString() ?? null,
  };
}

/** The signed-in user's id: personal tokens belong to users, not to ADMIN_TOKEN or API keys. */
function userOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal.kind !== 'user') throw new ForbiddenError('personal tokens belong to users: sign in as one, or use a personal token');
  return principal.userId;
}

/** The caller's own personal API tokens: `/api/v1/tokens`. */
export function personalTokensRoutes(service: PersonalTokensService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['tokens'];

    app.post(
      '/tokens',
      {
        config: access.user(),
        schema: {
          tags,
          summary: 'Create a personal token acting with my roles; the answer holds the token, shown this once',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' }),
              expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'Optional; in the future' })),
            },
            { additionalProperties: false },
          ),
          response: { 201: CreatedPersonalTokenSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { name, expires_at } = request.body;
        const { personalToken, token } = await service.create(userOf(request), { name: name.trim(), expiresAt: expires_at ? new Date(expires_at) : undefined });
        return reply.code(201).send({ ...present(personalToken), token });
      },
    );

    app.get(
      '/tokens',
      {
        config: access.user(),
        schema: {
          tags,
          summary: 'My personal tokens that are not revoked',
          querystring: listQuerySchema(['name', 'created_at', 'last_used_at', 'expires_at'] as const, 'created_at', {}),
          response: { 200: pageSchema(PersonalTokenSchema), ...errors },
        },
      },
      async (request) => {
        const { page, page_size, sort, order } = request.query;
        return presentPage(await service.list(userOf(request), { page, pageSize: page_size, sort, order }), present);
      },
    );

    app.delete(
      '/tokens/:id',
      {
        config: access.user(),
        schema: {
          tags,
          summary: 'Revoke one of my tokens; it stops working at once on every node',
          params: IdParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        await service.revoke(userOf(request), request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
