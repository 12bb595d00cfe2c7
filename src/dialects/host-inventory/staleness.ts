import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock/clock.ts';
import { noteAudit } from '../../http/audit-trail.ts';
import { DEFAULT_STALENESS, type StalenessThresholds } from '../../features/hosts/index.ts';
import type { OrganizationsService } from '../../features/organizations/index.ts';
import { InventoryProblem } from './host-inventory-errors.ts';
import { isoformat } from './hosts-presenter.ts';

/**
 * The organization's staleness settings as the peer's `/account/staleness` API shapes them
 * (SPEC §8.3; the peer's api/staleness.py and its StalenessSchema). Kept in the organization's
 * dialect settings; `null` there means none set (the defaults apply). Muster treats every host as
 * conventional: the immutable values are validated and stored as given, and used by nothing.
 */

export const DIALECT = 'host-inventory';

const FIELDS = [
  'conventional_time_to_stale',
  'conventional_time_to_stale_warning',
  'conventional_time_to_delete',
  'immutable_time_to_stale',
  'immutable_time_to_stale_warning',
  'immutable_time_to_delete',
] as const;
type Field = (typeof FIELDS)[number];
export type StalenessValues = Record<Field, number>;

/** The peer's maxima: 7 days to stale, 180 days to stale_warning, 2 years to delete. */
const MAXIMA: Record<Field, number> = {
  conventional_time_to_stale: 604_800,
  conventional_time_to_stale_warning: 15_552_000,
  conventional_time_to_delete: 63_072_000,
  immutable_time_to_stale: 604_800,
  immutable_time_to_stale_warning: 15_552_000,
  immutable_time_to_delete: 63_072_000,
};

export const DEFAULT_VALUES: Readonly<StalenessValues> = Object.freeze({
  conventional_time_to_stale: DEFAULT_STALENESS.staleSeconds,
  conventional_time_to_stale_warning: DEFAULT_STALENESS.staleWarningSeconds,
  conventional_time_to_delete: DEFAULT_STALENESS.cullSeconds,
  immutable_time_to_stale: DEFAULT_STALENESS.staleSeconds,
  immutable_time_to_stale_warning: DEFAULT_STALENESS.staleWarningSeconds,
  immutable_time_to_delete: DEFAULT_STALENESS.cullSeconds,
});

interface Stored extends StalenessValues {
  id: string;
  created: string;
  updated: string;
}

type Organizations = Pick<OrganizationsService, 'dialectSettings' | 'saveDialectSettings'>;

/** Python's `str()` of marshmallow's error dict, as the peer puts it in its 400's detail. */
function pythonRepr(errors: Record<string, string[]>): string {
  const quote = (text: string) => (text.includes("'") && !text.includes('"') ? `"${text}"` : `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`);
  return `{${Object.entries(errors)
    .map(([key, messages]) => `${quote(key)}: [${messages.map(quote).join(', ')}]`)
    .join(', ')}}`;
}

const validationError = (errors: Record<string, string[]>) => new InventoryProblem(400, `Validation Error: ${pythonRepr(errors)}`);

/**
 * The body merged over the current values, checked as the peer's StalenessSchema does: each
 * field an integer from 1 to its maximum, no unknown field, then (only when every field passed)
 * stale < stale_warning < delete for each host type, the first pair out of order reported.
 */
export function validateStaleness(body: unknown, current: Readonly<StalenessValues>): StalenessValues {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InventoryProblem(400, 'The request body must be a JSON object');
  const errors: Record<string, string[]> = {};
  const merged: StalenessValues = { ...current };
  for (const [key, value] of Object.entries(body)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      errors[key] = ['Unknown field.'];
      continue;
    }
    const field = key as Field;
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      errors[field] = ['Not a valid integer.'];
      continue;
    }
    if (value < 1 || value > MAXIMA[field]) {
      errors[field] = [`Must be greater than or equal to 1 and less than or equal to ${MAXIMA[field]}.`];
      continue;
    }
    merged[field] = value;
  }
  if (Object.keys(errors).length > 0) throw validationError(errors);
  for (const type of ['conventional', 'immutable'] as const) {
    const order = ['time_to_stale', 'time_to_stale_warning', 'time_to_delete'].map((name) => `${type}_${name}` as Field);
    for (let i = 0; i < order.length - 1; i++) {
      for (let j = i + 1; j < order.length; j++) {
        if (merged[order[i]!] >= merged[order[j]!]) throw validationError({ _schema: [`${order[i]} must be lower than ${order[j]}`] });
      }
    }
  }
  return merged;
}

async function stored(organizations: Organizations, organizationId: string): Promise<Stored | null> {
  const { value } = await organizations.dialectSettings(organizationId, DIALECT);
  if (typeof value !== 'object' || value === null) return null;
  const candidate = value as Partial<Stored>;
  return FIELDS.every((field) => typeof candidate[field] === 'number') && typeof candidate.id === 'string' ? (candidate as Stored) : null;
}

/** The organization's thresholds for its hosts (conventional), the defaults when none are set. */
export async function readStaleness(organizations: Organizations, organizationId: string): Promise<StalenessThresholds> {
  const settings = await stored(organizations, organizationId);
  if (!settings) return DEFAULT_STALENESS;
  return {
    staleSeconds: settings.conventional_time_to_stale,
    staleWarningSeconds: settings.conventional_time_to_stale_warning,
    cullSeconds: settings.conventional_time_to_delete,
  };
}

function present(organizationId: string, settings: Stored | null) {
  return {
    id: settings?.id ?? 'system_default',
    org_id: organizationId,
    ...Object.fromEntries(FIELDS.map((field) => [field, settings?.[field] ?? DEFAULT_VALUES[field]])),
    created: settings?.created ?? null,
    updated: settings?.updated ?? null,
  };
}

export interface StalenessRoutesDeps {
  organizations: Organizations;
  clock: Clock;
  /** The organization of the caller; `write` for the changes. */
  organizationOf(request: FastifyRequest, write?: boolean): Promise<string>;
}

/** `/account/staleness` (GET, POST, PATCH, DELETE) and `/account/staleness/defaults`, relative to the dialect's prefix. */
export function stalenessRoutes(deps: StalenessRoutesDeps) {
  const notSet = (organizationId: string) => new InventoryProblem(404, `Staleness record for org_id ${organizationId} does not exist.`);
  return async (app: FastifyInstance) => {
    app.get('/account/staleness', { schema: { hide: true } }, async (request) => {
      const organizationId = await deps.organizationOf(request);
      return present(organizationId, await stored(deps.organizations, organizationId));
    });

    app.get('/account/staleness/defaults', { schema: { hide: true } }, async (request) => present(await deps.organizationOf(request), null));

    app.post<{ Body: unknown }>('/account/staleness', { schema: { hide: true }, config: { audit: true } }, async (request, reply) => {
      const organizationId = await deps.organizationOf(request, true);
      noteAudit({ targetType: 'staleness', targetId: organizationId });
      const values = validateStaleness(request.body, DEFAULT_VALUES);
      if (await stored(deps.organizations, organizationId)) {
        // The peer's answer to a second record (its json_error_response): not a problem document.
        return reply.code(400).send({ title: 'Integrity error', detail: `Staleness record for org_id ${organizationId} already exists.` });
      }
      const now = isoformat(deps.clock.now());
      const settings: Stored = { id: randomUUID(), ...values, created: now, updated: now };
      await deps.organizations.saveDialectSettings(organizationId, DIALECT, settings);
      return reply.code(201).send(present(organizationId, settings));
    });

    app.patch<{ Body: unknown }>('/account/staleness', { schema: { hide: true }, config: { audit: true } }, async (request) => {
      const organizationId = await deps.organizationOf(request, true);
      noteAudit({ targetType: 'staleness', targetId: organizationId });
      const current = await stored(deps.organizations, organizationId);
      // As the peer: the body is validated (over the current values) before the record is looked for.
      const values = validateStaleness(request.body, current ?? DEFAULT_VALUES);
      if (!current) throw notSet(organizationId);
      const settings: Stored = { ...current, ...values, updated: isoformat(deps.clock.now()) };
      await deps.organizations.saveDialectSettings(organizationId, DIALECT, settings);
      return present(organizationId, settings);
    });

    app.delete('/account/staleness', { schema: { hide: true }, config: { audit: true } }, async (request, reply) => {
      const organizationId = await deps.organizationOf(request, true);
      noteAudit({ targetType: 'staleness', targetId: organizationId });
      if (!(await stored(deps.organizations, organizationId))) throw notSet(organizationId);
      await deps.organizations.saveDialectSettings(organizationId, DIALECT, null);
      return reply.code(204).send();
    });
  };
}
