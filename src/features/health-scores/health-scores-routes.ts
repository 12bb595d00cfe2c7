import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { NotFoundError } from '../../errors/errors.ts';
import { MAX_PAGE_SIZE } from '../../http/pagination.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import type { SystemsService } from '../systems/index.ts';
import type { SystemHealth, HealthService } from './health-scores-service.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
const STATUS_SPAN = Type.Enum(['untracked', 'unknown', 'active', 'warning', 'inactive']);

const AvailabilitySchema = Type.Object({
  system_id: Type.String(),
  window: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  spans: Type.Array(Type.Object({ from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }), status: STATUS_SPAN })),
  seconds: Type.Object({ unknown: Type.Number(), active: Type.Number(), warning: Type.Number(), inactive: Type.Number() }),
  tracked_seconds: Type.Number({ description: 'Time within the window since the system was created' }),
  active_percent: Type.Union([Type.Number(), Type.Null()], { description: 'Share of the tracked time spent active' }),
});

const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const HealthSchema = Type.Object({
  system_id: Type.String(),
  score: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()], { description: 'Null for a system that never registered' }),
  grade: Type.Union([Type.Enum(['good', 'fair', 'poor']), Type.Null()]),
  components: Type.Union([Type.Object({ availability: Fraction, freshness: Fraction, changes: Fraction, alerts: Fraction }), Type.Null()]),
  inputs: Type.Object({
    active_ratio_7d: Type.Union([Type.Number(), Type.Null()]),
    inventory_age_seconds: Type.Union([Type.Number(), Type.Null()]),
    significant_changes_7d: Type.Object({ critical: Type.Integer(), high: Type.Integer(), medium: Type.Integer() }),
    firing_alerts: Type.Object({ critical: Type.Integer(), high: Type.Integer(), warning: Type.Integer() }),
  }),
});

function presentHealth(health: SystemHealth) {
  return {
    system_id: health.systemId,
    score: health.score,
    grade: health.grade,
    components: health.components,
    inputs: {
      active_ratio_7d: health.inputs.activeRatio,
      inventory_age_seconds: health.inputs.inventoryAgeMs === null ? null : Math.round(health.inputs.inventoryAgeMs / 1000),
      significant_changes_7d: health.inputs.changes,
      firing_alerts: health.inputs.firingAlerts,
    },
  };
}

/** Availability strips and health scores (formula in the README and health-score.ts). */
export function healthScoreRoutes(service: HealthService, systems: SystemsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['systems'];
    const errors = errorResponses(400, 401, 404);

    app.get(
      '/systems/:id/availability',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: "A system's liveness over the last 24 hours, 7 or 30 days: status spans and time per status",
          params: IdParams,
          querystring: Type.Object({ window: Type.Enum(Object.keys(WINDOWS) as (keyof typeof WINDOWS)[], { default: '24h' }) }),
          response: { 200: AvailabilitySchema, ...errors },
        },
      },
      async (request) => {
        await systems.get(request.params.id);
        const found = await service.availability(request.params.id, WINDOWS[request.query.window]);
        // Destroyed between the two reads.
        if (!found) throw new NotFoundError(`system ${request.params.id} not found`);
        const { from, to, availability } = found;
        return {
          system_id: request.params.id,
          window: request.query.window,
          from: from.toISOString(),
          to: to.toISOString(),
          spans: availability.spans.map((span) => ({ from: span.from.toISOString(), to: span.to.toISOString(), status: span.status })),
          seconds: availability.seconds,
          tracked_seconds: availability.trackedSeconds,
          active_percent: availability.activeRatio === null ? null : Math.round(availability.activeRatio * 10_000) / 100,
        };
      },
    );

    app.get(
      '/systems/:id/health',
      {
        config: access.system('systems:read'),
        schema: { tags, summary: "A system's health score and what it is made of", params: IdParams, response: { 200: HealthSchema, ...errors } },
      },
      async (request) => {
        await systems.get(request.params.id);
        const [health] = await service.scores([request.params.id]);
        if (!health) throw new NotFoundError(`system ${request.params.id} not found`);
        return presentHealth(health);
      },
    );

    app.get(
      '/health-scores',
      {
        config: access.fleet('systems:read'),
        schema: {
          tags,
          summary: 'Health scores of several systems (e.g. the page of a list); unknown ids are left out',
          querystring: Type.Object({
            system_id: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: MAX_PAGE_SIZE, description: 'Repeat, up to 500' }),
          }),
          response: { 200: Type.Object({ items: Type.Array(HealthSchema) }), ...errors },
        },
      },
      async (request) => ({ items: (await service.scores(request.query.system_id, organizationScope(request.principal, 'systems:read'))).map(presentHealth) }),
    );
  };
}
