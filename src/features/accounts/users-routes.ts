import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listQuerySchema, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { InvitationSchema, presentUser, UserSchema } from './accounts-presenter.ts';
import { PASSWORD_MAX_BYTES } from './passwords.ts';
import type { UsersService } from './users-service.ts';
import { access } from '../../http/access-control.ts';

const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
// Bytes are checked by the service (PASSWORD_MAX_BYTES); characters first, before anything is hashed.
const Password = Type.String({
  minLength: 1,
  maxLength: PASSWORD_MAX_BYTES,
  description: `At least PASSWORD_MIN_LENGTH characters, at most ${PASSWORD_MAX_BYTES} bytes`,
});

const CreatedUserSchema = Type.Object(
  { ...UserSchema.properties, invitation: Type.Union([InvitationSchema, Type.Null()], { description: 'Present when no password was given' }) },
  { additionalProperties: false },
);

const errors = errorResponses(400, 401, 404, 409);
/** Invitation accepts per address and minute. */
const ACCEPT_PER_MINUTE = 10;

export function usersRoutes(service: UsersService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['users'];

    app.post(
      '/users',
      {
        config: access.global('users:manage'),
        schema: {
          tags,
          summary: 'Create a user; without a password, the answer holds an invitation to set one',
          body: Type.Object(
            { email: Email, name: Name, password: Type.Optional(Password), global_admin: Type.Optional(Type.Boolean()) },
            { additionalProperties: false },
          ),
          response: { 201: CreatedUserSchema, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const { user, invitation } = await service.create({
          email: body.email,
          name: body.name.trim(),
          password: body.password,
          globalAdmin: body.global_admin,
        });
        return reply
          .code(201)
          .send({ ...presentUser(user), invitation: invitation && { token: invitation.token, expires_at: invitation.expiresAt.toISOString() } });
      },
    );

    app.get(
      '/users',
      {
        config: access.global('users:manage'),
        schema: {
          tags,
          summary: 'List users',
          querystring: listQuerySchema(['email', 'name', 'created_at'] as const, 'email', {
            search: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Part of the email or the name' })),
          }),
          response: { 200: pageSchema(UserSchema), ...errors },
        },
      },
      async (request) => {
        const { page, page_size, sort, order, search } = request.query;
        return presentPage(await service.list({ page, pageSize: page_size, sort, order, search }), presentUser);
      },
    );

    app.get(
      '/users/:id',
      { config: access.global('users:manage'), schema: { tags, summary: 'Get a user', params: IdParams, response: { 200: UserSchema, ...errors } } },
      async (request) => presentUser(await service.get(request.params.id)),
    );

    app.patch(
      '/users/:id',
      {
        config: access.global('users:manage'),
        schema: {
          tags,
          summary: 'Change a user: name, email, password, global admin flag, or disable/enable',
          params: IdParams,
          body: Type.Object(
            {
              email: Type.Optional(Email),
              name: Type.Optional(Name),
              password: Type.Optional(Password),
              global_admin: Type.Optional(Type.Boolean()),
              disabled: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: UserSchema, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const user = await service.update(request.params.id, {
          email: body.email,
          name: body.name?.trim(),
          password: body.password,
          globalAdmin: body.global_admin,
          disabled: body.disabled,
        });
        return presentUser(user);
      },
    );

    app.delete(
      '/users/:id',
      {
        config: access.global('users:manage'),
        schema: {
          tags,
          summary: "Delete a user and their memberships (not an organization's last owner)",
          params: IdParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        await service.delete(request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/invitations/accept',
      {
        // Public: a token is 256 random bits, and guessing is slowed per address anyway.
        config: { ...access.public(), rateLimit: { max: ACCEPT_PER_MINUTE, timeWindow: 60_000 } },
        schema: {
          tags,
          summary: 'Set the password of an invited user with their one-time invitation token',
          body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), password: Password }, { additionalProperties: false }),
          response: { 200: UserSchema, ...errorResponses(400, 401, 410, 429) },
        },
      },
      async (request) => presentUser(await service.acceptInvitation(request.body.token, request.body.password)),
    );
  };
}
