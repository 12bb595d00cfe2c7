import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { PageQuery, pageSchema, presentPage, type Page } from '../../http/pagination.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { ALERT_SEVERITIES } from './alert-rules.ts';
import { MAX_SILENCE_MINUTES, type AlertTriage } from './alert-triage.ts';
import type { AlertsService } from './alerts-service.ts';
import { AlertSchema, presentTriagedAlert } from './alerts-presenter.ts';
import type { Alert, AlertFilter } from './alerts-store.ts';
import { organizationScope, type Principal } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const Filters = {
  ...PageQuery,
  status: Type.Optional(Type.Enum(['firing', 'resolved'])),
  severity: Type.Optional(Type.Array(Type.Enum(ALERT_SEVERITIES))),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'The rule: LinkFailed, InventoryChange, a metric rule, …' })),
  acknowledged: Type.Optional(Type.Boolean({ description: 'Only acknowledged (true) or unacknowledged (false) alerts' })),
};

type FilterQuery = { page: number; page_size: number; status?: 'firing' | 'resolved'; severity?: string[]; name?: string; acknowledged?: boolean };

function toFilter(query: FilterQuery, extra: Partial<AlertFilter>): AlertFilter {
  return {
    page: query.page,
    pageSize: query.page_size,
    status: query.status,
    severity: query.severity,
    name: query.name,
    acknowledged: query.acknowledged,
    ...extra,
  };
}

const AlertParams = Type.Object({ id: Type.String({ format: 'uuid' }), alertId: Type.String({ format: 'uuid' }) });
const Comment = Type.String({ maxLength: 500, default: '', description: 'Why (shown with the alert; 500 characters)' });

/** Who acted, as an operator reads it: the user's email, the admin token, or the API key. */
function actorName(principal: Principal): string {
  if (principal.kind === 'user') return principal.email;
  if (principal.kind === 'api-key') return `API key ${principal.keyId}`;
  return 'admin token';
}

/** `GET /api/v1/alerts` and `GET /api/v1/systems/:id/alerts`, newest first. */
export function alertsRoutes(alerts: AlertsService, triage: AlertTriage): FastifyPluginAsyncTypebox {
  const page = async (answer: Page<Alert>) => ({
    ...presentPage(answer, () => null),
    items: (await triage.withSilences(answer.items)).map(presentTriagedAlert),
  });
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
        return page(
          await alerts.list(
            toFilter(query, { systemId: query.system_id, organizationIds: organizationScope(request.principal, 'systems:read', query.organization_id) }),
          ),
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
        return page(await alerts.listOfSystem(request.params.id, toFilter(request.query, {})));
      },
    );

    const one = { 200: AlertSchema, ...errorResponses(400, 401, 404, 409, 502) };
    app.post(
      '/systems/:id/alerts/:alertId/acknowledge',
      {
        config: access.system('systems:operate'),
        // The body is optional: none at all is no comment.
        preValidation: (request, _reply, done) => {
          request.body ??= {};
          done();
        },
        schema: {
          tags,
          summary: 'Acknowledge a firing alert (who and when are recorded, with the comment)',
          params: AlertParams,
          body: Type.Object({ comment: Type.Optional(Comment) }, { additionalProperties: false }),
          response: one,
        },
      },
      async (request) =>
        presentTriagedAlert(await triage.acknowledge(request.params.id, request.params.alertId, actorName(request.principal), request.body.comment ?? '')),
    );

    app.delete(
      '/systems/:id/alerts/:alertId/acknowledgement',
      { config: access.system('systems:operate'), schema: { tags, summary: "Withdraw an alert's acknowledgement", params: AlertParams, response: one } },
      async (request) => presentTriagedAlert(await triage.unacknowledge(request.params.id, request.params.alertId)),
    );

    app.post(
      '/systems/:id/alerts/:alertId/silence',
      {
        config: access.system('systems:operate'),
        schema: {
          tags,
          summary: "Silence the alert's rule on its system for a while",
          description:
            "Muster's webhooks are not sent for the rule's alerts of this system until the silence ends; with ALERTMANAGER_URL set, the silence is also made in Alertmanager (matchers alertname and system_id), which is then asked first.",
          params: AlertParams,
          body: Type.Object(
            {
              duration_minutes: Type.Integer({ minimum: 1, maximum: MAX_SILENCE_MINUTES, description: `Minutes, up to ${MAX_SILENCE_MINUTES} (30 days)` }),
              comment: Type.Optional(Comment),
            },
            { additionalProperties: false },
          ),
          response: { 201: AlertSchema, ...errorResponses(400, 401, 404, 409, 502) },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            presentTriagedAlert(
              await triage.silence(
                request.params.id,
                request.params.alertId,
                actorName(request.principal),
                request.body.duration_minutes,
                request.body.comment ?? '',
              ),
            ),
          ),
    );

    app.delete(
      '/systems/:id/alerts/:alertId/silence',
      {
        config: access.system('systems:operate'),
        schema: { tags, summary: "End the silence of the alert's rule on its system", params: AlertParams, response: one },
      },
      async (request) => presentTriagedAlert(await triage.unsilence(request.params.id, request.params.alertId)),
    );
  };
}
