import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../clock/clock.ts';
import { organizationScope } from '../../domain/access.ts';
import { BadRequestError } from '../../errors/errors.ts';
import { access } from '../../http/access-control.ts';
import type { BodyBudget } from '../../http/body-budget.ts';
import { decodedBody } from '../../http/decoded-body.ts';
import { envelope, errorResponses, IdParams, Uuid } from '../../http/schemas.ts';
import { requireSystem, type SystemAuthenticator, type SystemsService } from '../systems/index.ts';
import type { MetricsService } from './metrics-service.ts';
import { AGGREGATES, type MetricsQueries } from './metrics-queries.ts';
import { METRIC_NAMES } from './metric-samples.ts';
import { MetricNumbersBody } from './metrics-schemas.ts';

const MetricName = Type.Enum(Object.keys(METRIC_NAMES), { description: 'A metric name of SPEC §10' });
const Labels = Type.Record(Type.String(), Type.String());
const HOUR_MS = 3_600_000;

const SeriesQuery = Type.Object({
  name: Type.Optional(MetricName),
  label: Type.Optional(
    Type.Array(Type.String({ pattern: '^[a-z_]+=.*$' }), { description: 'Label filter `label=value` (e.g. `mountpoint=/`), repeatable', maxItems: 8 }),
  ),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: `to` minus 24 hours' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
  step: Type.Optional(Type.Integer({ minimum: 1, maximum: 31_536_000, description: 'Seconds per point (default: about 360 points over the range)' })),
  aggregate: Type.Optional(Type.Enum([...AGGREGATES], { default: 'avg', description: 'How samples within a step are combined' })),
});

const SeriesList = Type.Object({
  items: Type.Array(
    Type.Object({ name: Type.String(), labels: Labels, first_at: Type.String({ format: 'date-time' }), last_at: Type.String({ format: 'date-time' }) }),
  ),
});
const SeriesAnswer = Type.Object({
  name: Type.String(),
  step: Type.Integer({ description: 'Seconds per point' }),
  resolution: Type.String({ description: '`raw`, `5m` or `1h`: the stored resolution the answer was computed from' }),
  series: Type.Array(Type.Object({ labels: Labels, points: Type.Array(Type.Array(Type.Number(), { description: '[unix seconds, value]' })) })),
});

const TopQuery = Type.Object({
  name: MetricName,
  organization_id: Type.Optional(Uuid),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  order: Type.Optional(Type.Enum(['desc', 'asc'], { default: 'desc' })),
  max_age: Type.Optional(
    Type.Integer({ minimum: 60, maximum: 31_536_000, default: 900, description: 'Only systems whose latest samples are at most this many seconds old' }),
  ),
});
const TopAnswer = Type.Object({
  name: Type.String(),
  items: Type.Array(
    Type.Object({
      system_id: Type.String(),
      system_name: Type.String(),
      organization_id: Type.String(),
      labels: Labels,
      value: Type.Number(),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
});

const NativeAnswer = Type.Object({
  code: Type.Integer(),
  message: Type.String(),
  data: Type.Object({ system_key: Type.String(), samples: Type.Integer(), at: Type.String({ format: 'date-time' }) }),
});

function labelFilters(filters: readonly string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const filter of filters ?? []) {
    const at = filter.indexOf('=');
    labels[filter.slice(0, at)] = filter.slice(at + 1);
  }
  return labels;
}

/** A system's series and their points; the fleet's top systems by a metric. */
export function metricsRoutes(queries: MetricsQueries, systems: SystemsService, clock: Clock): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['metrics'];
    app.get(
      '/systems/:id/metrics',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: "Without `name`, the system's series; with it, that metric's series over a range",
          params: IdParams,
          querystring: SeriesQuery,
          response: { 200: Type.Union([SeriesAnswer, SeriesList]), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => {
        await systems.get(request.params.id);
        const query = request.query;
        if (!query.name) {
          const items = await queries.series(request.params.id);
          return { items: items.map((s) => ({ name: s.name, labels: s.labels, first_at: s.firstAt.toISOString(), last_at: s.lastAt.toISOString() })) };
        }
        const to = query.to ? new Date(query.to) : clock.now();
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - 24 * HOUR_MS);
        if (to <= from) throw new BadRequestError('`to` must be after `from`');
        return queries.query({
          systemId: request.params.id,
          name: query.name,
          labels: labelFilters(query.label),
          from,
          to,
          step: query.step,
          aggregate: query.aggregate ?? 'avg',
        });
      },
    );

    app.get(
      '/metrics/top',
      {
        config: access.fleet('systems:read'),
        schema: {
          tags,
          summary: "The fleet's systems with the highest (or lowest) latest value of a metric (a system's highest over its series, e.g. its fullest disk)",
          querystring: TopQuery,
          response: { 200: TopAnswer, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => {
        const query = request.query;
        const top = await queries.top(query.name, {
          organizationIds: organizationScope(request.principal, 'systems:read', query.organization_id),
          maxAgeS: query.max_age ?? 900,
          limit: query.limit ?? 10,
          order: query.order ?? 'desc',
        });
        return {
          name: query.name,
          items: top.map((t) => ({
            system_id: t.systemId,
            system_name: t.systemName,
            organization_id: t.organizationId,
            labels: t.labels,
            value: t.value,
            at: t.at.toISOString(),
          })),
        };
      },
    );
  };
}

/** `POST /api/systems/metrics`: an appliance's numbers, stored as samples, answered once committed. */
export function nativeMetricsRoutes(deps: {
  service: MetricsService;
  authenticator: SystemAuthenticator;
  clock: Clock;
  rawRetentionMs: number;
  bodyBudget: BodyBudget;
}): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/api/systems/metrics',
      {
        onRequest: requireSystem(deps.authenticator),
        bodyLimit: 1024 * 1024,
        // gzip accepted, as for inventories (an agent compresses what is over 1 KB).
        config: { bodyBudget: 'decoded' },
        preParsing: decodedBody(deps.bodyBudget),
        schema: {
          tags: ['appliance'],
          summary: 'Report metric samples (the monitoring report shape)',
          security: [{ systemCredentials: [] }],
          body: MetricNumbersBody,
          response: { 200: NativeAnswer, ...errorResponses(400, 401, 413, 503) },
        },
      },
      async (request) => {
        const now = deps.clock.now();
        const at = request.body.timestamp ? new Date(request.body.timestamp) : now;
        if (at.getTime() > now.getTime() + 5 * 60_000) throw new BadRequestError('timestamp is more than 5 minutes ahead of the server');
        // An hour of margin: the day's partition of older samples may be dropped while the request is on its way.
        if (at.getTime() < now.getTime() - deps.rawRetentionMs + HOUR_MS)
          throw new BadRequestError('timestamp is older than the raw samples are kept (METRICS_RAW_RETENTION)');
        const stored = await deps.service.record(request.system, at, request.body);
        return envelope(200, 'metrics stored', { system_key: request.system.systemKey, samples: stored, at: at.toISOString() });
      },
    );
  };
}
