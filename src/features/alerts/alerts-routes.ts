import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSchema, presentPage } from '../../http/pagination.ts';
import { ErrorEnvelope, IdParams } from '../../http/schemas.ts';
import { ALERT_SEVERITIES } from './alert-rules.ts';
import type { AlertsService } from './alerts-service.ts';
import type { Alert, AlertFilter } from './alerts-store.ts';

const AlertSchema = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'LinkFailed, HeartbeatWarning, InventoryChange, SystemRegistered' }),
  status: Type.Enum(['firing', 'resolved']),
  severity: Type.String(),
  summary: Type.String(),
  system_id: Type.Union([Type.String(), Type.Null()]),
  organization_id: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  annotations: Type.Record(Type.String(), Type.String()),
  source: Type.Object({ type: Type.String({ description: 'diff, liveness or registration' }), id: Type.String() }),
  starts_at: Type.String({ format: 'date-time' }),
  ends_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  updated_at: Type.String({ format: 'date-time' }),
});

const Filters = {
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  page_size: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE }),
  status: Type.Optional(Type.Enum(['firing', 'resolved'])),
  severity: Type.Optional(Type.Array(Type.Enum(ALERT_SEVERITIES))),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
};

function present(alert: Alert) {
  return {
    id: alert.id,
    name: alert.name,
    status: alert.status,
    severity: alert.severity,
    summary: alert.summary,
    system_id: alert.systemId,
    organization_id: alert.organizationId,
    labels: alert.labels,
    annotations: alert.annotations,
    source: { type: alert.sourceType, id: alert.sourceId },
    starts_at: alert.startsAt.toISOString(),
    ends_at: alert.endsAt ? alert.endsAt.toISOString() : null,
    updated_at: alert.updatedAt.toISOString(),
  };
}

type FilterQuery = { page: number; page_size: number; status?: 'firing' | 'resolved'; severity?: string[]; name?: string };

function toFilter(query: FilterQuery, extra: Partial<AlertFilter>): AlertFilter {
  return { page: query.page, pageSize: query.page_size, status: query.status, severity: query.severity, name: query.name, ...extra };
}

/** `GET /api/v1/alerts` and `GET /api/v1/systems/:id/alerts`, newest first. */
export function alertsRoutes(alerts: AlertsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['alerts'];
    const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 404: ErrorEnvelope };

    app.get(
      '/alerts',
      {
        schema: {
          tags,
          summary: 'Alerts across the fleet',
          querystring: Type.Object({
            ...Filters,
            system_id: Type.Optional(Type.String({ format: 'uuid' })),
            organization_id: Type.Optional(Type.String({ format: 'uuid' })),
          }),
          response: { 200: pageSchema(AlertSchema), ...errors },
        },
      },
      async (request) => {
        const query = request.query;
        return presentPage(await alerts.list(toFilter(query, { systemId: query.system_id, organizationId: query.organization_id })), present);
      },
    );

    app.get(
      '/systems/:id/alerts',
      {
        schema: { tags, summary: "A system's alerts", params: IdParams, querystring: Type.Object(Filters), response: { 200: pageSchema(AlertSchema), ...errors } },
      },
      async (request) => {
        return presentPage(await alerts.listOfSystem(request.params.id, toFilter(request.query, {})), present);
      },
    );
  };
}
