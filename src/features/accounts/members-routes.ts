import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listQuerySchema, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import { MemberSchema, presentMember, RoleSchema } from './accounts-presenter.ts';
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
