import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { listQuerySchema, pageSchema, presentPage } from '../../http/pagination.ts';
import { BadRequestError } from '../../errors/errors.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import type { OrganizationsService } from './organizations-service.ts';
import type { Organization } from './organizations-store.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
const MAX_MINUTES = 525_600;
const TimeoutMinutes = Type.Union([Type.Integer({ minimum: 1, maximum: MAX_MINUTES }), Type.Null()], {
  description: 'Minutes without a heartbeat before a system is inactive; null inherits HEARTBEAT_TIMEOUT_MINUTES (or give heartbeat_timeout_seconds)',
});
const WarningMinutes = Type.Union([Type.Integer({ minimum: 0, maximum: MAX_MINUTES }), Type.Null()], {
  description: 'Minutes without a heartbeat before a system is in warning; 0 turns the warning off, null inherits HEARTBEAT_WARNING_MINUTES',
});
const TimeoutSeconds = Type.Union([Type.Integer({ minimum: 1, maximum: MAX_MINUTES * 60 }), Type.Null()], {
  description: 'The timeout in seconds (compute nodes beating every few seconds); null inherits',
});
const WarningSeconds = Type.Union([Type.Integer({ minimum: 0, maximum: MAX_MINUTES * 60 }), Type.Null()], {
  description: 'The warning threshold in seconds; 0 turns the warning off, null inherits',
});
const Thresholds = {
  heartbeat_timeout_minutes: Type.Optional(TimeoutMinutes),
  heartbeat_warning_minutes: Type.Optional(WarningMinutes),
  heartbeat_timeout_seconds: Type.Optional(TimeoutSeconds),
  heartbeat_warning_seconds: Type.Optional(WarningSeconds),
};
const Minutes = Type.Number({ description: 'The same threshold in minutes (a fraction when not a whole number of minutes)' });

const OrganizationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    is_default: Type.Boolean(),
    heartbeat_timeout_seconds: Type.Union([Type.Integer(), Type.Null()], { description: "The organization's own; null inherits" }),
    heartbeat_warning_seconds: Type.Union([Type.Integer(), Type.Null()]),
    heartbeat_timeout_minutes: Type.Union([Minutes, Type.Null()]),
    heartbeat_warning_minutes: Type.Union([Minutes, Type.Null()]),
    effective_heartbeat_timeout_seconds: Type.Integer(),
    effective_heartbeat_warning_seconds: Type.Integer({ description: '0 when the warning state is off' }),
    effective_heartbeat_timeout_minutes: Minutes,
    effective_heartbeat_warning_minutes: Minutes,
    system_count: Type.Integer({ description: 'Systems that are not deleted' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/** A threshold given in minutes or in seconds (not both), as seconds; undefined when neither. */
function seconds(
  body: Partial<Record<`heartbeat_${'timeout' | 'warning'}_${'minutes' | 'seconds'}`, number | null>>,
  name: 'timeout' | 'warning',
): number | null | undefined {
  const minutes = body[`heartbeat_${name}_minutes`];
  const given = body[`heartbeat_${name}_seconds`];
  if (minutes !== undefined && given !== undefined) {
    const field = `heartbeat_${name}_seconds`;
    throw new BadRequestError(`give heartbeat_${name}_minutes or heartbeat_${name}_seconds, not both`, {
      errors: [{ field, message: 'given with the minutes' }],
    });
  }
  if (given !== undefined) return given;
  return minutes === undefined || minutes === null ? minutes : minutes * 60;
}

const errors = errorResponses(400, 401, 404, 409);

const toMinutes = (value: number | null): number | null => (value === null ? null : value / 60);

export function organizationsRoutes(service: OrganizationsService): FastifyPluginAsyncTypebox {
  const present = (organization: Organization) => {
    const effective = service.thresholdsOf(organization);
    return {
      id: organization.id,
      name: organization.name,
      is_default: organization.isDefault,
      heartbeat_timeout_seconds: organization.heartbeatTimeoutSeconds,
      heartbeat_warning_seconds: organization.heartbeatWarningSeconds,
      heartbeat_timeout_minutes: toMinutes(organization.heartbeatTimeoutSeconds),
      heartbeat_warning_minutes: toMinutes(organization.heartbeatWarningSeconds),
      effective_heartbeat_timeout_seconds: effective.timeoutSeconds,
      effective_heartbeat_warning_seconds: effective.warningSeconds,
      effective_heartbeat_timeout_minutes: effective.timeoutSeconds / 60,
      effective_heartbeat_warning_minutes: effective.warningSeconds / 60,
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
          body: Type.Object({ name: Name, ...Thresholds }, { additionalProperties: false }),
          response: { 201: OrganizationSchema, ...errors },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const organization = await service.create({
          name: body.name.trim(),
          heartbeatTimeoutSeconds: seconds(body, 'timeout'),
          heartbeatWarningSeconds: seconds(body, 'warning'),
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
          body: Type.Object({ name: Type.Optional(Name), ...Thresholds }, { additionalProperties: false, minProperties: 1 }),
          response: { 200: OrganizationSchema, ...errors },
        },
      },
      async (request) => {
        const body = request.body;
        const organization = await service.update(request.params.id, {
          name: body.name?.trim(),
          heartbeatTimeoutSeconds: seconds(body, 'timeout'),
          heartbeatWarningSeconds: seconds(body, 'warning'),
        });
        return present(organization);
      },
    );
  };
}
