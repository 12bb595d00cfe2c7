import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PageQuery, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { ALERT_SEVERITIES } from './alert-rules.ts';
import type { AlertsService } from './alerts-service.ts';
import { AlertSchema, presentAlert } from './alerts-presenter.ts';
import type { AlertFilter } from './alerts-store.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const Filters = {
  ...PageQuery,
  status: Type.Optional(Type.Enum(['firing', 'resolved'])),
  severity: Type.Optional(Type.Array(Type.Enum(ALERT_SEVERITIES))),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
};

type FilterQuery = { page: number; page_size: number; status?: 'firing' | 'resolved'; severity?: string[]; name?: string };

function toFilter(query: FilterQuery, extra: Partial<AlertFilter>): AlertFilter {
  return { page: query.page, pageSize: query.page_size, status: query.status, severity: query.severity, name: query.name, ...extra };
}

/** `GET /api/v1/alerts` and `GET /api/v1/systems/:id/alerts`, newest first. */
export function alertsRoutes(alerts: AlertsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['alerts'];
    const errors = errorResponses(400, 401, 404);

    app.get(
      '/alerts',
      {
        config: access.fleet('systems:read'),
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
        return presentPage(
          await alerts.list(
            toFilter(query, { systemId: query.system_id, organizationIds: organizationScope(request.principal, 'systems:read', query.organization_id) }),
          ),
          presentAlert,
        );
      },
    );

    app.get(
      '/systems/:id/alerts',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: "A system's alerts",
          params: IdParams,
          querystring: Type.Object(Filters),
          response: { 200: pageSchema(AlertSchema), ...errors },
        },
      },
      async (request) => {
        return presentPage(await alerts.listOfSystem(request.params.id, toFilter(request.query, {})), presentAlert);
      },
    );
  };
}
