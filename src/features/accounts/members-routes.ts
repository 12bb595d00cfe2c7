import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listQuerySchema, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import { InvitationSchema, MemberSchema, presentMember, RoleSchema } from './accounts-presenter.ts';
import type { MembersService } from './members-service.ts';
import { access } from '../../http/access-control.ts';

const MemberParams = Type.Object({ id: Uuid, userId: Uuid });
const errors = errorResponses(400, 401, 404, 409);

export function membersRoutes(service: MembersService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['organizations'];

    app.get(
      '/organizations/:id/members',
      {
        config: access.organization('organizations:read'),
        schema: {
          tags,
          summary: "List an organization's members and their roles",
          params: IdParams,
          querystring: listQuerySchema(['email', 'name', 'role', 'created_at'] as const, 'email', {}),
          response: { 200: pageSchema(MemberSchema), ...errors },
        },
      },
      async (request) => {
        const { page, page_size, sort, order } = request.query;
        return presentPage(await service.list(request.params.id, { page, pageSize: page_size, sort, order }), presentMember);
      },
    );

    app.put(
      '/organizations/:id/members/:userId',
      {
        config: access.organization('members:manage'),
        schema: {
          tags,
          summary: "Make a user a member of the organization, or change their role (not the last owner's)",
          params: MemberParams,
          body: Type.Object({ role: RoleSchema }, { additionalProperties: false }),
          response: { 200: MemberSchema, 201: MemberSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { member, created } = await service.put(request.params.id, request.params.userId, request.body.role);
        return reply.code(created ? 201 : 200).send(presentMember(member));
      },
    );

    app.post(
      '/organizations/:id/invitations',
      {
        config: access.organization('members:manage'),
        schema: {
          tags,
          summary: 'Invite someone by email with a role: a new user with an invitation to set a password, or an existing one added',
          params: IdParams,
          body: Type.Object(
            {
              email: Type.String({ format: 'email', minLength: 3, maxLength: 254 }),
              name: Type.Optional(
                Type.String({ minLength: 1, maxLength: 255, pattern: '\\S', description: "For a new user; the email's local part by default" }),
              ),
              role: RoleSchema,
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object(
              {
                user_id: Type.String({ format: 'uuid' }),
                email: Type.String(),
                name: Type.String(),
                role: RoleSchema,
                invitation: Type.Union([InvitationSchema, Type.Null()], {
                  description: 'Shown once, for a user without a password (new, or never signed in); null for one who can sign in already',
                }),
              },
              { additionalProperties: false },
            ),
            ...errors,
          },
        },
      },
      async (request, reply) => {
        const { email, name, role } = request.body;
        const invited = await service.invite(request.params.id, { email, name: name?.trim(), role });
        return reply.code(201).send({
          user_id: invited.user.id,
          email: invited.user.email,
          name: invited.user.name,
          role: invited.role,
          invitation: invited.invitation && { token: invited.invitation.token, expires_at: invited.invitation.expiresAt.toISOString() },
        });
      },
    );

    app.delete(
      '/organizations/:id/members/:userId',
      {
        config: access.organization('members:manage'),
        schema: {
          tags,
          summary: 'Remove a member from the organization (not its last owner)',
          params: MemberParams,
          response: { 204: Type.Null(), ...errors },
        },
      },
      async (request, reply) => {
        await service.remove(request.params.id, request.params.userId);
        return reply.code(204).send(null);
      },
    );
  };
}
