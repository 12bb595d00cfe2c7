import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listQuerySchema, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import type { OrganizationsService } from './organizations-service.ts';
import type { Organization } from './organizations-store.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
const TimeoutMinutes = Type.Union([Type.Integer({ minimum: 1, maximum: 525_600 }), Type.Null()], {
  description: 'Minutes without a heartbeat before a system is inactive; null inherits HEARTBEAT_TIMEOUT_MINUTES',
});
const WarningMinutes = Type.Union([Type.Integer({ minimum: 0, maximum: 525_600 }), Type.Null()], {
  description: 'Minutes without a heartbeat before a system is in warning; 0 turns the warning off, null inherits HEARTBEAT_WARNING_MINUTES',
});

const OrganizationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    is_default: Type.Boolean(),
    heartbeat_timeout_minutes: Type.Union([Type.Integer(), Type.Null()]),
    heartbeat_warning_minutes: Type.Union([Type.Integer(), Type.Null()]),
    effective_heartbeat_timeout_minutes: Type.Integer(),
    effective_heartbeat_warning_minutes: Type.Integer({ description: '0 when the warning state is off' }),
    system_count: Type.Integer({ description: 'Systems that are not deleted' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const errors = errorResponses(400, 401, 404, 409);

export function organizationsRoutes(service: OrganizationsService): FastifyPluginAsyncTypebox {
  const present = (organization: Organization) => {
    const effective = service.thresholdsOf(organization);
    return {
      id: organization.id,
      name: organization.name,
      is_default: organization.isDefault,
      heartbeat_timeout_minutes: organization.heartbeatTimeoutMinutes,
      heartbeat_warning_minutes: organization.heartbeatWarningMinutes,
      effective_heartbeat_timeout_minutes: effective.timeoutMinutes,
      effective_heartbeat_warning_minutes: effective.warningMinutes,
      system_count: organization.systemCount,
      created_at: organization.createdAt.toISOString(),
      updated_at: organization.updatedAt.toISOString(),
    };
  };

  return async (app) => {
    const tags = ['organizations'];

    app.post(
      '/organizations',
      {
        config: access.global('organizations:create'),
        schema: {
          tags,
          summary: 'Create an organization',
          body: Type.Object(
            { name: Name, heartbeat_timeout_minutes: Type.Optional(TimeoutMinutes), heartbeat_warning_minutes: Type.Optional(WarningMinutes) },
            { additionalProperties: false },
          ),
          response: { 201: OrganizationSchema, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const organization = await service.create({
          name: body.name.trim(),
          heartbeatTimeoutMinutes: body.heartbeat_timeout_minutes,
          heartbeatWarningMinutes: body.heartbeat_warning_minutes,
        });
        return reply.code(201).send(present(organization));
      },
    );

    app.get(
      '/organizations',
      {
        config: access.fleet('organizations:read'),
        schema: {
          tags,
          summary: 'List organizations',
          querystring: listQuerySchema(['name', 'created_at'] as const, 'name', {
            search: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          }),
          response: { 200: pageSchema(OrganizationSchema), ...errors },
        },
      },
      async (request) => {
        const { page, page_size, sort, order, search } = request.query;
        return presentPage(
          await service.list({ page, pageSize: page_size, sort, order, search, ids: organizationScope(request.principal, 'organizations:read') }),
          present,
        );
      },
    );

    app.get(
      '/organizations/:id',
      {
        config: access.organization('organizations:read'),
        schema: { tags, summary: 'Get an organization', params: IdParams, response: { 200: OrganizationSchema, ...errors } },
      },
      async (request) => present(await service.get(request.params.id)),
    );

    app.patch(
      '/organizations/:id',
      {
        config: access.organization('organizations:manage'),
        schema: {
          tags,
          summary: 'Rename an organization or set its liveness thresholds (applied at once to its systems)',
          params: IdParams,
          body: Type.Object(
            { name: Type.Optional(Name), heartbeat_timeout_minutes: Type.Optional(TimeoutMinutes), heartbeat_warning_minutes: Type.Optional(WarningMinutes) },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: OrganizationSchema, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const organization = await service.update(request.params.id, {
          name: body.name?.trim(),
          heartbeatTimeoutMinutes: body.heartbeat_timeout_minutes,
          heartbeatWarningMinutes: body.heartbeat_warning_minutes,
        });
        return present(organization);
      },
    );
  };
}
