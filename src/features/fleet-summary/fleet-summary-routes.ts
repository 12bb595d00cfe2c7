import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../clock/clock.ts';
import { errorResponses, Timestamp } from '../../http/schemas.ts';
import { PageQuery, pageSchema, presentPage } from '../../http/pagination.ts';
import { ATTENTION_TIERS, type AttentionItem, type createAttentionStore } from './attention-store.ts';
import { DiffSchema, type InventoryQueries, presentDiff } from '../inventory/index.ts';
import type { SystemsService } from '../systems/index.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const RECENT_CHANGES = 10;
const ATTENTION_WINDOW_MS = 24 * 3_600_000;

const ByTier = Type.Object(
  { critical: Type.Integer(), high: Type.Integer(), warning: Type.Integer() },
  { description: 'Systems needing attention by their worst reason: critical (a critical alert, or inactive), high (a high alert), warning (late heartbeats)' },
);

const Summary = Type.Object({
  total: Type.Integer({ description: 'Systems that are not deleted (the statuses and suspended add up to it)' }),
  by_status: Type.Object(
    {
      unknown: Type.Integer(),
      active: Type.Integer(),
      warning: Type.Integer(),
      inactive: Type.Integer(),
    },
    { description: 'Systems neither suspended nor deleted, by liveness status' },
  ),
  by_type: Type.Array(Type.Object({ type: Type.String(), count: Type.Integer() }), {
    description: 'Systems that are not deleted, per type (ns8, nsec, …; systems without a type left out), the most common first',
  }),
  suspended: Type.Integer(),
  deleted: Type.Integer(),
  by_version: Type.Array(
    Type.Object({ type: Type.Union([Type.String(), Type.Null()]), version: Type.Union([Type.String(), Type.Null()]), count: Type.Integer() }),
    { description: 'Systems that are not deleted, per type (null: none) and version (null: none reported yet), the most common first within a type' },
  ),
  agent_versions: Type.Array(Type.Object({ version: Type.Union([Type.String(), Type.Null()]), count: Type.Integer() }), {
    description: 'Systems that are not deleted, per Muster agent version (null: no agent seen), the most common first',
  }),
  needs_attention: Type.Object({
    systems: Type.Integer({ description: 'Systems needing attention (GET /api/v1/attention lists them)' }),
    by_tier: ByTier,
    inactive: Type.Integer({ description: 'Systems not heard from within their timeout' }),
    warning: Type.Integer(),
    critical_changes_24h: Type.Integer({ description: 'Systems with a critical change in the last 24 hours' }),
  }),
  recent_changes: Type.Array(DiffSchema, { description: `The ${RECENT_CHANGES} latest significant changes` }),
});

const Reason = Type.Object({
  kind: Type.Enum(['liveness', 'alert']),
  status: Type.Optional(Type.Enum(['inactive', 'warning'], { description: 'kind liveness: the liveness status' })),
  alert_id: Type.Optional(Type.String({ format: 'uuid' })),
  name: Type.Optional(Type.String({ description: 'kind alert: the rule (InventoryChange, a metric rule, …)' })),
  severity: Type.Optional(Type.Enum(['critical', 'high'])),
  summary: Type.Optional(Type.String()),
  since: Type.String({ format: 'date-time' }),
});

const AttentionSchema = Type.Object({
  system_id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  type: Type.Union([Type.String(), Type.Null()]),
  organization_id: Type.String({ format: 'uuid' }),
  status: Type.String(),
  last_heartbeat: Timestamp,
  tier: Type.Enum(ATTENTION_TIERS),
  since: Type.String({ format: 'date-time', description: 'When the worst reason began (the earliest of that tier)' }),
  reasons: Type.Array(Reason, {
    description: 'The liveness status first, then firing critical and high alerts (LinkFailed and HeartbeatWarning are the status)',
  }),
});

function presentAttention(item: AttentionItem) {
  return {
    system_id: item.systemId,
    name: item.name,
    type: item.type,
    organization_id: item.organizationId,
    status: item.status,
    last_heartbeat: item.lastHeartbeat?.toISOString() ?? null,
    tier: item.tier,
    since: item.since.toISOString(),
    reasons: item.reasons.map((reason) =>
      reason.kind === 'liveness'
        ? { kind: reason.kind, status: reason.status, since: reason.since.toISOString() }
        : {
            kind: reason.kind,
            alert_id: reason.alertId,
            name: reason.name,
            severity: reason.severity,
            summary: reason.summary,
            since: reason.since.toISOString(),
          },
    ),
  };
}

/** `GET /api/v1/summary` (fleet totals, what needs attention, recent changes) and `GET /api/v1/attention`. */
export function fleetSummaryRoutes(
  systems: Pick<SystemsService, 'countByStatus' | 'countByType' | 'countByVersion' | 'countByAgentVersion'>,
  inventory: InventoryQueries,
  attention: ReturnType<typeof createAttentionStore>,
  clock: Clock,
): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/attention',
      {
        config: access.fleet('systems:read'),
        schema: {
          tags: ['fleet'],
          summary: 'Systems needing attention, one per system with its reasons, worst first',
          description:
            'Systems neither suspended nor deleted that are inactive or late, or have a firing critical or high alert; ranked by their worst reason (critical, which inactive is, then high, then warning), then the longest standing first.',
          querystring: Type.Object({ organization_id: Type.Optional(Type.String({ format: 'uuid' })), ...PageQuery }),
          response: { 200: Type.Object({ ...pageSchema(AttentionSchema).properties, by_tier: ByTier }), ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const organizationIds = organizationScope(request.principal, 'systems:read', request.query.organization_id);
        const page = await attention.list(organizationIds, { page: request.query.page, pageSize: request.query.page_size });
        return { ...presentPage(page, presentAttention), by_tier: page.byTier };
      },
    );

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
        const [counts, types, versions, agentVersions, needing, recent, critical] = await Promise.all([
          systems.countByStatus(organizationIds),
          systems.countByType(organizationIds),
          systems.countByVersion(organizationIds),
          systems.countByAgentVersion(organizationIds),
          attention.byTier(organizationIds),
          inventory.diffs({ organizationIds, significant: true, page: 1, pageSize: RECENT_CHANGES, order: 'desc' }),
          inventory.systemsWithChanges({ organizationIds, severity: 'critical', since: new Date(clock.now().getTime() - ATTENTION_WINDOW_MS) }),
        ]);
        return {
          total: counts.total,
          by_status: { unknown: counts.unknown, active: counts.active, warning: counts.warning, inactive: counts.inactive },
          by_type: types,
          by_version: versions,
          agent_versions: agentVersions,
          suspended: counts.suspended,
          deleted: counts.deleted,
          needs_attention: {
            systems: needing.critical + needing.high + needing.warning,
            by_tier: needing,
            inactive: counts.inactive,
            warning: counts.warning,
            critical_changes_24h: critical,
          },
          recent_changes: recent.items.map(presentDiff),
        };
      },
    );
  };
}
