import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Clock } from '../../clock/clock.ts';
import { BadRequestError, NotFoundError } from '../../errors/errors.ts';
import { orderQuery, PageQuery, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { EARLIEST_DATE_TIME } from '../../http/validation.ts';
import type { SystemsService } from '../systems/index.ts';
import { CATEGORIES, CHANGE_TYPES, SEVERITIES } from '../../domain/changes.ts';
import type { Diff, InventoryQueries, InventoryRecord, RecordSummary } from './inventory-queries.ts';
import { organizationScope } from '../../domain/access.ts';
import { access } from '../../http/access-control.ts';

const DAY = 86_400_000;

const Paging = {
  ...PageQuery,
  order: orderQuery('desc', 'By time'),
};

const DiffFilters = {
  ...Paging,
  severity: Type.Optional(Type.Array(Type.Enum(SEVERITIES), { description: 'Repeat, or severity[]=' })),
  category: Type.Optional(Type.Array(Type.Enum(CATEGORIES))),
  diff_type: Type.Optional(Type.Array(Type.Enum(CHANGE_TYPES))),
  significant: Type.Optional(Type.Boolean()),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Changes at or after' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Changes before' })),
  search: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Matches the path or either value' })),
};

const RecordSummarySchema = Type.Object({
  id: Type.String(),
  received_at: Type.String({ format: 'date-time' }),
  last_seen_at: Type.String({ format: 'date-time', description: 'Latest time this snapshot was received (identical re-sends refresh it)' }),
  hash: Type.String({ description: 'SHA-256 of the canonical JSON (sorted keys)' }),
  size: Type.Integer(),
  change_count: Type.Integer(),
  diff_limited: Type.Any({ description: 'Set when the diff engine stopped at a limit instead of listing every change' }),
});
const RecordSchema = Type.Object({ ...RecordSummarySchema.properties, data: Type.Any() });

const SetAsideSchema = Type.Object({
  id: Type.String(),
  received_at: Type.String({ format: 'date-time' }),
  failed_at: Type.String({ format: 'date-time' }),
  hash: Type.String(),
  size: Type.Integer(),
  error: Type.String({ description: 'Why it could not be processed' }),
});

export const DiffSchema = Type.Object({
  id: Type.Integer(),
  system_id: Type.String(),
  system_name: Type.String({ description: "The system's current name" }),
  record_id: Type.String(),
  previous_record_id: Type.String(),
  detected_at: Type.String({ format: 'date-time' }),
  field_path: Type.String(),
  diff_type: Type.String(),
  previous_value: Type.Any(),
  current_value: Type.Any(),
  category: Type.String(),
  severity: Type.String(),
  significant: Type.Boolean(),
  rule: Type.String({ description: 'Id of the rule that classified the change' }),
});

const errors = errorResponses(400, 401, 404);

function presentSummary(record: RecordSummary) {
  return {
    id: record.id,
    received_at: record.receivedAt.toISOString(),
    last_seen_at: record.lastSeenAt.toISOString(),
    hash: record.hash,
    size: record.size,
    change_count: record.changeCount,
    diff_limited: record.diffLimited ?? null,
  };
}

const presentRecord = (record: InventoryRecord) => ({ ...presentSummary(record), data: record.data });

export function presentDiff(diff: Diff) {
  return {
    id: diff.id,
    system_id: diff.systemId,
    system_name: diff.systemName,
    record_id: diff.recordId,
    previous_record_id: diff.previousRecordId,
    detected_at: diff.detectedAt.toISOString(),
    field_path: diff.fieldPath,
    diff_type: diff.diffType,
    previous_value: diff.previousValue ?? null,
    current_value: diff.currentValue ?? null,
    category: diff.category,
    severity: diff.severity,
    significant: diff.significant,
    rule: diff.rule,
  };
}

function dateOrUndefined(text: string | undefined): Date | undefined {
  return text === undefined ? undefined : new Date(text);
}

/** Whether ICU knows the zone: the same tz database names PostgreSQL and PGlite read. */
function knownTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** A system's inventory history, its changes and their timeline; fleet-wide recent changes. */
export function inventoryRoutes(queries: InventoryQueries, systems: SystemsService, clock: Clock): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['inventory'];

    app.get(
      '/systems/:id/inventory/latest',
      {
        config: access.system('systems:read'),
        schema: { tags, summary: 'The latest inventory snapshot', params: IdParams, response: { 200: RecordSchema, ...errors } },
      },
      async (request) => {
        await systems.get(request.params.id);
        const record = await queries.latest(request.params.id);
        if (!record) throw new NotFoundError('this system has not sent an inventory yet');
        return presentRecord(record);
      },
    );

    app.get(
      '/systems/:id/inventory/set-aside',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: 'The latest inventory processing could not handle, set aside with the reason (without its data; 404 when none)',
          params: IdParams,
          response: { 200: SetAsideSchema, ...errors },
        },
      },
      async (request) => {
        await systems.get(request.params.id);
        const setAside = await queries.setAside(request.params.id);
        if (!setAside) throw new NotFoundError('no inventory of this system was set aside');
        return {
          id: setAside.id,
          received_at: setAside.receivedAt.toISOString(),
          failed_at: setAside.failedAt.toISOString(),
          hash: setAside.hash,
          size: setAside.size,
          error: setAside.error,
        };
      },
    );

    app.get(
      '/systems/:id/inventory',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: 'Inventory snapshots, newest first (without their data)',
          params: IdParams,
          querystring: Type.Object(Paging),
          response: { 200: pageSchema(RecordSummarySchema), ...errors },
        },
      },
      async (request) => {
        await systems.get(request.params.id);
        const { page, page_size, order } = request.query;
        return presentPage(await queries.records(request.params.id, { page, pageSize: page_size }, order), presentSummary);
      },
    );

    app.get(
      '/systems/:id/inventory/diffs',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: "A system's changes",
          params: IdParams,
          querystring: Type.Object(DiffFilters),
          response: { 200: pageSchema(DiffSchema), ...errors },
        },
      },
      async (request) => {
        await systems.get(request.params.id);
        const query = request.query;
        return presentPage(
          await queries.diffs({
            systemId: request.params.id,
            page: query.page,
            pageSize: query.page_size,
            order: query.order,
            severity: query.severity,
            category: query.category,
            diffType: query.diff_type,
            significant: query.significant,
            from: dateOrUndefined(query.from),
            to: dateOrUndefined(query.to),
            search: query.search,
          }),
          presentDiff,
        );
      },
    );

    app.get(
      '/systems/:id/inventory/timeline',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: 'Changes grouped by day (in UTC or `time_zone`) with counts per severity (days without changes are left out)',
          params: IdParams,
          querystring: Type.Object({
            from: Type.Optional(Type.String({ format: 'date-time', description: 'Default: 30 days before `to`' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Default: now' })),
            significant: Type.Optional(Type.Boolean({ description: 'Only significant changes' })),
            time_zone: Type.Optional(
              Type.String({ maxLength: 64, description: 'The IANA time zone whose calendar days group the changes, e.g. `Europe/Rome`. Default: UTC' }),
            ),
          }),
          response: {
            200: Type.Object({
              from: Type.String(),
              to: Type.String(),
              time_zone: Type.String(),
              days: Type.Array(
                Type.Object({
                  date: Type.String(),
                  total: Type.Integer(),
                  by_severity: Type.Object({ low: Type.Integer(), medium: Type.Integer(), high: Type.Integer(), critical: Type.Integer() }),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        await systems.get(request.params.id);
        const to = dateOrUndefined(request.query.to) ?? clock.now();
        // Not before year 1, which PostgreSQL cannot read as an ISO string.
        const from = dateOrUndefined(request.query.from) ?? new Date(Math.max(to.getTime() - 30 * DAY, EARLIEST_DATE_TIME));
        if (from >= to) throw new BadRequestError('`from` must be before `to`');
        const timeZone = request.query.time_zone ?? 'UTC';
        if (!knownTimeZone(timeZone)) throw new BadRequestError(`\`time_zone\` must be an IANA time zone such as Europe/Rome, not ${JSON.stringify(timeZone)}`);
        const days = await queries.timeline(request.params.id, from, to, request.query.significant ?? false, timeZone).catch((error: unknown) => {
          // A zone newer than the database's own tz data: invalid_parameter_value.
          if ((error as { code?: unknown }).code === '22023') throw new BadRequestError(`the database does not know the time zone ${JSON.stringify(timeZone)}`);
          throw error;
        });
        return {
          from: from.toISOString(),
          to: to.toISOString(),
          time_zone: timeZone,
          days: days.map((day) => ({ date: day.date, total: day.total, by_severity: day.bySeverity })),
        };
      },
    );

    app.get(
      '/systems/:id/inventory/:recordId',
      {
        config: access.system('systems:read'),
        schema: {
          tags,
          summary: 'One inventory snapshot',
          params: Type.Object({ id: IdParams.properties.id, recordId: Type.String({ format: 'uuid' }) }),
          response: { 200: RecordSchema, ...errors },
        },
      },
      async (request) => {
        await systems.get(request.params.id);
        const record = await queries.record(request.params.id, request.params.recordId);
        if (!record) throw new NotFoundError(`inventory record ${request.params.recordId} not found`);
        return presentRecord(record);
      },
    );

    app.get(
      '/changes',
      {
        config: access.fleet('systems:read'),
        schema: {
          tags,
          summary: 'Recent changes across the fleet (significant ones unless significant=false)',
          querystring: Type.Object({ ...DiffFilters, organization_id: Type.Optional(Type.String({ format: 'uuid' })) }),
          response: { 200: pageSchema(DiffSchema), ...errors },
        },
      },
      async (request) => {
        const query = request.query;
        return presentPage(
          await queries.diffs({
            organizationIds: organizationScope(request.principal, 'systems:read', query.organization_id),
            page: query.page,
            pageSize: query.page_size,
            order: query.order,
            severity: query.severity,
            category: query.category,
            diffType: query.diff_type,
            significant: query.significant ?? true,
            from: dateOrUndefined(query.from),
            to: dateOrUndefined(query.to),
            search: query.search,
          }),
          presentDiff,
        );
      },
    );
  };
}
