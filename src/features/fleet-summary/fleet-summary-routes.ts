import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../clock/clock.ts';
import { errorResponses } from '../../http/schemas.ts';
import { DiffSchema, type InventoryQueries, presentDiff } from '../inventory/index.ts';
import type { SystemsService } from '../systems/index.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const RECENT_CHANGES = 10;
const ATTENTION_WINDOW_MS = 24 * 3_600_000;

const Summary = Type.Object({
  total: Type.Integer({ description: 'Systems that are not deleted' }),
  by_status: Type.Object({
    unknown: Type.Integer(),
    active: Type.Integer(),
    warning: Type.Integer(),
    inactive: Type.Integer(),
  }),
  by_type: Type.Array(Type.Object({ type: Type.String(), count: Type.Integer() }), {
    description: 'Systems that are not deleted, per type (ns8, nsec, …; systems without a type left out), the most common first',
  }),
  suspended: Type.Integer(),
  deleted: Type.Integer(),
  needs_attention: Type.Object({
    inactive: Type.Integer({ description: 'Systems not heard from within their timeout' }),
    warning: Type.Integer(),
    critical_changes_24h: Type.Integer({ description: 'Systems with a critical change in the last 24 hours' }),
  }),
  recent_changes: Type.Array(DiffSchema, { description: `The ${RECENT_CHANGES} latest significant changes` }),
});

/** `GET /api/v1/summary`: fleet totals by liveness status, what needs attention, recent changes. */
export function fleetSummaryRoutes(
  systems: Pick<SystemsService, 'countByStatus' | 'countByType'>,
  inventory: InventoryQueries,
  clock: Clock,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/summary',
      {
        config: access.fleet('systems:read'),
        schema: {
          tags: ['fleet'],
          summary: 'Fleet totals by liveness status, systems needing attention, recent significant changes',
          querystring: Type.Object({ organization_id: Type.Optional(Type.String({ format: 'uuid' })) }),
          response: { 200: Summary, ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const organizationIds = organizationScope(request.principal, 'systems:read', request.query.organization_id);
        const [counts, types, recent, critical] = await Promise.all([
          systems.countByStatus(organizationIds),
          systems.countByType(organizationIds),
          inventory.diffs({ organizationIds, significant: true, page: 1, pageSize: RECENT_CHANGES, order: 'desc' }),
          inventory.systemsWithChanges({ organizationIds, severity: 'critical', since: new Date(clock.now().getTime() - ATTENTION_WINDOW_MS) }),
        ]);
        return {
          total: counts.total,
          by_status: { unknown: counts.unknown, active: counts.active, warning: counts.warning, inactive: counts.inactive },
          by_type: types,
          suspended: counts.suspended,
          deleted: counts.deleted,
          needs_attention: { inactive: counts.inactive, warning: counts.warning, critical_changes_24h: critical },
          recent_changes: recent.items.map(presentDiff),
        };
      },
    );
  };
}
