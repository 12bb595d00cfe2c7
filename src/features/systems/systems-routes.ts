import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { Type, type Static } from 'typebox';
import { organizationScope, type Principal } from '../../domain/access.ts';
import { LABEL_KEY, MAX_LABEL_VALUE_LENGTH, MAX_LABELS } from '../../domain/labels.ts';
import { access } from '../../http/access-control.ts';
import { noteAudit } from '../../http/audit-trail.ts';
import { BadRequestError } from '../../errors/errors.ts';
import { listQuerySchema, MAX_PAGE_SIZE, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, IdParams } from '../../http/schemas.ts';
import { presentSystem, SystemSchema, SystemWithSecretSchema } from './systems-presenter.ts';
import { LIVENESS_STATUSES, SYSTEM_STATES } from './system-status.ts';
import { BULK_ACTIONS } from './systems-bulk.ts';
import type { SystemsService, SystemWithSecret } from './systems-service.ts';
import { systemsCsv } from './systems-csv.ts';
import type { LabelFilter, SystemFilter, SystemSort } from './systems-store.ts';

const SORT_FIELDS: readonly SystemSort[] = [
  'name',
  'type',
  'status',
  'created_at',
  'registered_at',
  'last_heartbeat',
  'last_inventory_at',
  'organization',
  'agent_version',
];
/** What the agent version filter names for systems without a Muster agent. */
const NO_AGENT = 'none';

const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' });
const SystemType = Type.String({ minLength: 1, maxLength: 32, pattern: '^[a-z0-9][a-z0-9_.-]*$', description: 'e.g. ns8, nsec, linux, node' });
const LabelKey = Type.String({ pattern: `^${LABEL_KEY}$` });
const Labels = Type.Record(LabelKey, Type.String({ maxLength: MAX_LABEL_VALUE_LENGTH }), {
  maxProperties: MAX_LABELS,
  additionalProperties: false,
  description: 'Free-form string labels (at most 64; keys of letters, digits and _.-/)',
});

const ListQuery = listQuerySchema(SORT_FIELDS, 'created_at', {
  status: Type.Optional(Type.Array(Type.Enum(LIVENESS_STATUSES), { description: 'Liveness status; repeat for several' })),
  state: Type.Optional(
    Type.Array(Type.Enum(SYSTEM_STATES), {
      description: 'Where the system stands, lifecycle included (see `state` on a system); repeat for several. Naming `deleted` shows deleted systems',
    }),
  ),
  type: Type.Optional(Type.Array(SystemType, { description: 'System type; repeat for several' })),
  organization_id: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { description: 'Organization; repeat for several' })),
  agent_version: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 1000, pattern: '^[0-9A-Za-z.+-]+(,[0-9A-Za-z.+-]+)*$' }), {
      maxItems: 20,
      description: `Muster agent version, exactly; comma-separated or repeated for several; \`${NO_AGENT}\` for systems without an agent`,
    }),
  ),
  label: Type.Optional(
    Type.Array(Type.String({ pattern: `^${LABEL_KEY}(:.{0,255})?$` }), {
      maxItems: 20,
      description: '`key:value`, or `key` for any value; repeat for several: every key must match, by any of its values',
    }),
  ),
  search: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: "Matches name, system key, FQDN, IP addresses, labels or id by substring, and the words of the latest inventory's contents by prefix",
    }),
  ),
  deleted: Type.Optional(
    Type.Enum(['exclude', 'include', 'only'], {
      description: 'Soft-deleted systems: hidden (exclude, unless a state filter names deleted), shown too (include), or alone (only)',
    }),
  ),
  suspended: Type.Optional(Type.Boolean()),
});

const errors = errorResponses(400, 401, 404, 409);
/** The most systems one bulk change names. */
const MAX_BULK = 500;
/** The most label values the labels list answers. */
const LABELS_LISTED = 1000;

function filterOf(query: Static<typeof ListQuery>, principal: Principal): SystemFilter {
  return {
    page: query.page,
    pageSize: query.page_size,
    sort: query.sort,
    order: query.order,
    status: query.status,
    state: query.state,
    labels: labelFilters(query.label),
    type: query.type,
    agentVersions: agentVersionFilter(query.agent_version),
    organizationIds: organizationScope(principal, 'systems:read', query.organization_id),
    search: query.search,
    deleted: query.deleted,
    suspended: query.suspended,
  };
}

/** `1.2.3,1.3.0` and `none` as the versions they name, null for none. */
function agentVersionFilter(values: readonly string[] | undefined): (string | null)[] | undefined {
  if (!values?.length) return undefined;
  return [...new Set(values.flatMap((value) => value.split(',')))].map((version) => (version === NO_AGENT ? null : version));
}

/** `env:prod`, `env:test`, `owner` as one filter per key: env is prod or test, and owner is set (to anything). */
function labelFilters(labels: readonly string[] | undefined): LabelFilter[] | undefined {
  if (!labels?.length) return undefined;
  const byKey = new Map<string, string[] | 'any'>();
  for (const label of labels) {
    const colon = label.indexOf(':');
    const key = colon < 0 ? label : label.slice(0, colon);
    const values = byKey.get(key) ?? [];
    byKey.set(key, colon < 0 || values === 'any' ? 'any' : [...values, label.slice(colon + 1)]);
  }
  return [...byKey].map(([key, values]) => ({ key, values: values === 'any' ? [] : values }));
}

function presentWithSecret({ system, secret }: SystemWithSecret) {
  return { ...presentSystem(system), system_secret: secret };
}

export function systemsRoutes(service: SystemsService): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['systems'];

    app.post(
      '/systems',
      {
        config: access.body('systems:operate'),
        schema: {
          tags,
          summary: 'Create a system; the answer carries its secret, shown once',
          body: Type.Object(
            { name: Name, organization_id: Type.Optional(Type.String({ format: 'uuid' })), type: Type.Optional(SystemType), labels: Type.Optional(Labels) },
            { additionalProperties: false },
          ),
          response: { 201: SystemWithSecretSchema, ...errors },
        },
      },
      async (request, reply) => {
        const { name, organization_id, type, labels } = request.body;
        const created = await service.create({ name: name.trim(), organizationId: organization_id, type, labels });
        return reply.code(201).send(presentWithSecret(created));
      },
    );

    app.get(
      '/systems',
      {
        config: access.fleet('systems:read'),
        schema: { tags, summary: 'List systems', querystring: ListQuery, response: { 200: pageSchema(SystemSchema), ...errors } },
      },
      async (request) => presentPage(await service.list(filterOf(request.query, request.principal)), presentSystem),
    );

    app.get(
      '/systems/export',
      {
        config: access.fleet('systems:read'),
        schema: {
          tags,
          summary: 'The systems matching the same filters as the list, all of them, as CSV',
          querystring: Type.Omit(ListQuery, ['page', 'page_size']),
          produces: ['text/csv'],
          response: { 200: Type.Any({ description: 'text/csv: a header line, then one line per system' }), ...errors },
        },
      },
      async (request, reply) => {
        const filter = filterOf({ ...request.query, page: 1, page_size: MAX_PAGE_SIZE }, request.principal);
        // The first page is read before the answer starts, so that a database that cannot be read
        // gets an error answer (503) rather than a 200 cut short.
        const first = await service.list(filter);
        async function* pages() {
          let items = first.items;
          for (let page = 1; ; page++) {
            if (page > 1) ({ items } = await service.list({ ...filter, page }));
            if (items.length > 0) yield items;
            if (items.length < MAX_PAGE_SIZE) return;
          }
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('Content-Disposition', 'attachment; filename="systems.csv"')
          .send(Readable.from(systemsCsv(pages())));
      },
    );

    app.get(
      '/systems/labels',
      {
        config: access.fleet('systems:read'),
        schema: {
          tags,
          summary: 'The labels in use on systems that are not deleted: each key and value with how many systems carry it',
          querystring: Type.Object({ organization_id: Type.Optional(Type.Array(Type.String({ format: 'uuid' }))) }, { additionalProperties: false }),
          response: {
            200: Type.Object({
              items: Type.Array(Type.Object({ key: Type.String(), value: Type.String(), count: Type.Integer() })),
              truncated: Type.Boolean({ description: `Whether there were more than ${LABELS_LISTED} (the most common of each key first)` }),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const items = await service.countLabels(organizationScope(request.principal, 'systems:read', request.query.organization_id), LABELS_LISTED + 1);
        return { items: items.slice(0, LABELS_LISTED), truncated: items.length > LABELS_LISTED };
      },
    );

    app.post(
      '/systems/bulk',
      {
        config: access.fleet('systems:operate'),
        schema: {
          tags,
          summary: 'Suspend, reactivate, delete or label many systems in one transaction; each answers changed, unchanged or skipped (with why)',
          body: Type.Object(
            {
              action: Type.Enum(BULK_ACTIONS),
              system_ids: Type.Array(Type.String({ format: 'uuid' }), { minItems: 1, maxItems: MAX_BULK, uniqueItems: true }),
              labels: Type.Optional(
                Type.Object(
                  {
                    set: Type.Optional(Labels),
                    remove: Type.Optional(Type.Array(LabelKey, { maxItems: MAX_LABELS, uniqueItems: true })),
                  },
                  { additionalProperties: false, description: 'For `label`: labels to add or replace, and keys to remove' },
                ),
              ),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              action: Type.Enum(BULK_ACTIONS),
              changed: Type.Integer(),
              unchanged: Type.Integer(),
              skipped: Type.Integer(),
              items: Type.Array(
                Type.Object({
                  system_id: Type.String({ format: 'uuid' }),
                  outcome: Type.Enum(['changed', 'unchanged', 'skipped']),
                  reason: Type.Union([Type.String(), Type.Null()]),
                }),
              ),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const { action, system_ids: ids, labels } = request.body;
        if (action === 'label' && !labels?.set && !labels?.remove?.length) {
          throw new BadRequestError('the label action needs labels to set or remove', { errors: [{ field: 'labels', message: 'required for label' }] });
        }
        // One audit row for the request: the action and the systems it named.
        noteAudit({ details: { action, count: ids.length, system_ids: ids.join(',') } });
        const outcomes = await service.bulk(
          { action, ids, labels: labels && { set: labels.set ?? {}, remove: labels.remove ?? [] } },
          organizationScope(request.principal, 'systems:operate'),
        );
        const count = (outcome: string) => outcomes.filter((item) => item.outcome === outcome).length;
        return {
          action,
          changed: count('changed'),
          unchanged: count('unchanged'),
          skipped: count('skipped'),
          items: outcomes.map((item) => ({ system_id: item.id, outcome: item.outcome, reason: item.reason })),
        };
      },
    );

    app.get(
      '/systems/:id',
      { config: access.system('systems:read'), schema: { tags, summary: 'Get a system', params: IdParams, response: { 200: SystemSchema, ...errors } } },
      async (request) => presentSystem(await service.get(request.params.id)),
    );

    app.patch(
      '/systems/:id',
      {
        config: access.system('systems:operate'),
        schema: {
          tags,
          summary: 'Rename a system or replace its labels',
          params: IdParams,
          body: Type.Object({ name: Type.Optional(Name), labels: Type.Optional(Labels) }, { additionalProperties: false, minProperties: 1 }),
          response: { 200: SystemSchema, ...errors },
        },
      },
      async (request) => {
        const { name, labels } = request.body;
        return presentSystem(await service.update(request.params.id, { name: name?.trim(), labels }));
      },
    );

    app.post(
      '/systems/:id/regenerate-secret',
      {
        config: access.system('systems:operate'),
        schema: {
          tags,
          summary: 'Issue a new secret; the old one stops working at once on every node',
          params: IdParams,
          response: { 200: SystemWithSecretSchema, ...errors },
        },
      },
      async (request) => presentWithSecret(await service.regenerateSecret(request.params.id)),
    );

    const actions = [
      ['suspend', 'Suspend a system: its appliance calls are refused until reactivated', (id: string) => service.suspend(id)],
      ['reactivate', 'Lift a suspension', (id: string) => service.reactivate(id)],
      ['restore', 'Restore a deleted system', (id: string) => service.restore(id)],
    ] as const;
    for (const [action, summary, run] of actions) {
      app.post(
        `/systems/:id/${action}`,
        { config: access.system('systems:operate'), schema: { tags, summary, params: IdParams, response: { 200: SystemSchema, ...errors } } },
        async (request) => presentSystem(await run(request.params.id)),
      );
    }

    app.delete(
      '/systems/:id',
      {
        config: access.system('systems:operate'),
        schema: {
          tags,
          summary: 'Delete a system (soft: it can be restored, and its data is kept)',
          params: IdParams,
          response: { 200: SystemSchema, ...errors },
        },
      },
      async (request) => presentSystem(await service.delete(request.params.id)),
    );

    app.post(
      '/systems/:id/destroy',
      {
        config: access.system('systems:operate'),
        schema: {
          tags,
          summary: 'Purge a deleted system and everything recorded about it; cannot be undone',
          params: IdParams,
          response: { 204: Type.Null({ description: 'Destroyed' }), ...errors },
        },
      },
      async (request, reply) => {
        await service.destroy(request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
