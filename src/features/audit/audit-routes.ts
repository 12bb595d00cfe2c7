import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuditEntry } from '../../db/audit-scope.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';
import { PageQuery, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses } from '../../http/schemas.ts';
import type { AuditService } from './audit-service.ts';

const ACTOR_TYPES = ['bootstrap', 'user', 'token', 'api-key', 'anonymous'] as const;
const OUTCOMES = ['success', 'failure', 'denied'] as const;
const NullableString = Type.Union([Type.String(), Type.Null()]);

const AuditEntrySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    occurred_at: Type.String({ format: 'date-time' }),
    actor_type: Type.Enum(ACTOR_TYPES),
    actor_id: Type.Union([Type.String(), Type.Null()], {
      description: 'The user (session), personal token or API key; null for ADMIN_TOKEN and anonymous callers',
    }),
    user_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The user behind a session or a personal token' }),
    organization_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    action: Type.String({ description: "The route's stable name, e.g. `systems.suspend`, `organizations.api-keys.create`, `session.create` (sign-in)" }),
    target_type: NullableString,
    target_id: NullableString,
    outcome: Type.Enum(OUTCOMES, { description: '`denied`: refused by authentication or access control; `failure`: any other 4xx or 5xx' }),
    http_status: Type.Integer(),
    address: NullableString,
    user_agent: NullableString,
    details: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
  },
  { additionalProperties: false },
);

function presentEntry(entry: AuditEntry) {
  return {
    id: entry.id,
    occurred_at: entry.occurredAt.toISOString(),
    actor_type: entry.actorType,
    actor_id: entry.actorId,
    user_id: entry.userId,
    organization_id: entry.organizationId,
    action: entry.action,
    target_type: entry.targetType,
    target_id: entry.targetId,
    outcome: entry.outcome,
    http_status: entry.httpStatus,
    address: entry.address,
    user_agent: entry.userAgent,
    details: entry.details,
  };
}

/** `GET /api/v1/audit`: the audit log of the caller's organizations (everything, for global admins), newest first. */
export function auditRoutes(service: AuditService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/audit',
      {
        config: access.fleet('audit:read'),
        schema: {
          tags: ['audit'],
          summary: 'The audit log: every change through the management API and every sign-in, newest first',
          querystring: Type.Object({
            ...PageQuery,
            organization_id: Type.Optional(Type.String({ format: 'uuid' })),
            actor_type: Type.Optional(Type.Enum(ACTOR_TYPES)),
            actor_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            action: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            outcome: Type.Optional(Type.Enum(OUTCOMES)),
            target_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
            from: Type.Optional(Type.String({ format: 'date-time', description: 'At or after' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Before' })),
          }),
          response: { 200: pageSchema(AuditEntrySchema), ...errorResponses(400) },
        },
      },
      async (request) => {
        const query = request.query;
        const page = await service.list({
          page: query.page,
          pageSize: query.page_size,
          organizationIds: organizationScope(request.principal, 'audit:read', query.organization_id),
          ...(query.actor_type === undefined ? {} : { actorType: query.actor_type }),
          ...(query.actor_id === undefined ? {} : { actorId: query.actor_id }),
          ...(query.action === undefined ? {} : { action: query.action }),
          ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
          ...(query.target_id === undefined ? {} : { targetId: query.target_id }),
          ...(query.from === undefined ? {} : { from: new Date(query.from) }),
          ...(query.to === undefined ? {} : { to: new Date(query.to) }),
        });
        return presentPage(page, presentEntry);
      },
    );
  };
}
