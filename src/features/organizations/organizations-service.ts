import { isUuid } from '../../domain/ids.ts';
import type { Clock } from '../../clock/clock.ts';
import type { Db, Sql } from '../../db/db.ts';
import { BadRequestError, ConflictError, NotFoundError } from '../../errors/errors.ts';
import type { Page } from '../../http/pagination.ts';
import { effectiveThresholds, type Thresholds } from './organization-thresholds.ts';
import type { Organization, OrganizationFilter, OrganizationsStore, ThresholdsChange } from './organizations-store.ts';

export const DEFAULT_ORGANIZATION_NAME = 'Default';

export interface OrganizationsServiceDeps {
  db: Db;
  store: OrganizationsStore;
  /** Called in the transaction that changed an organization's thresholds. */
  thresholdsChanged: (tx: Sql, organizationId: string, at: Date) => Promise<void>;
  clock: Clock;
  defaults: Thresholds;
}

export interface OrganizationInput {
  name: string;
  heartbeatTimeoutSeconds?: number | null | undefined;
  heartbeatWarningSeconds?: number | null | undefined;
}

export interface DialectSettings {
  value: unknown;
  thresholds: Thresholds;
}

export interface OrganizationsService {
  get(id: string): Promise<Organization>;
  /** The organization, or null. */
  find(id: string): Promise<Organization | null>;
  findDefault(): Promise<Organization | null>;
  /** The organization a reference names: its id, or else its name in any case; null for none. */
  resolve(reference: string): Promise<Organization | null>;
  list(filter: OrganizationFilter): Promise<Page<Organization>>;
  /** The effective thresholds: the organization's own where set, the global defaults otherwise. */
  thresholdsOf(organization: Organization): Thresholds;
  create(input: OrganizationInput): Promise<Organization>;
  update(id: string, change: ThresholdsChange): Promise<Organization>;
  /** Creates the default organization on a fresh install; safe when several nodes start at once. */
  ensureDefault(): Promise<Organization>;
  /**
   * What a dialect keeps for the organization (its own shape, null for nothing yet) and the
   * organization's effective thresholds, in one cheap read; NotFoundError for no such organization.
   */
  dialectSettings(id: string, dialect: string): Promise<DialectSettings>;
  /**
   * Stores a dialect's settings for the organization and, in the same transaction, the
   * thresholds they carry (a dialect's own names for them), so both change or neither does.
   */
  saveDialectSettings(id: string, dialect: string, value: unknown, thresholds?: Thresholds): Promise<Organization>;
}

export function createOrganizationsService(deps: OrganizationsServiceDeps): OrganizationsService {
  const { db, store, clock } = deps;

  async function get(id: string): Promise<Organization> {
    const organization = await store.findById(id);
    if (!organization) throw new NotFoundError(`organization ${id} not found`);
    return organization;
  }

  async function assertNameFree(name: string, exceptId?: string): Promise<void> {
    if (await store.nameTaken(name, exceptId)) throw new ConflictError(`an organization named '${name}' already exists`);
  }

  return {
    get,

    find(id: string): Promise<Organization | null> {
      return store.findById(id);
    },

    findDefault(): Promise<Organization | null> {
      return store.findDefault();
    },

    async resolve(reference: string): Promise<Organization | null> {
      const byId = isUuid(reference) ? await store.findById(reference) : null;
      return byId ?? store.findByName(reference);
    },

    list(filter: OrganizationFilter): Promise<Page<Organization>> {
      return store.list(filter);
    },

    thresholdsOf(organization: Organization): Thresholds {
      return effectiveThresholds(organization, deps.defaults);
    },

    async create(input: OrganizationInput): Promise<Organization> {
      assertThresholdsConsistent(input);
      await assertNameFree(input.name);
      const created = await db.transaction((tx) => store.insert(tx, input, clock.now()));
      // Lost a race with a concurrent create of the same name.
      if (!created) throw new ConflictError(`an organization named '${input.name}' already exists`);
      return created;
    },

    async update(id: string, change: ThresholdsChange): Promise<Organization> {
      const current = await get(id);
      assertThresholdsConsistent({
        heartbeatTimeoutSeconds: change.heartbeatTimeoutSeconds === undefined ? current.heartbeatTimeoutSeconds : change.heartbeatTimeoutSeconds,
        heartbeatWarningSeconds: change.heartbeatWarningSeconds === undefined ? current.heartbeatWarningSeconds : change.heartbeatWarningSeconds,
      });
      if (change.name !== undefined) await assertNameFree(change.name, id);
      const thresholdsChanged = change.heartbeatTimeoutSeconds !== undefined || change.heartbeatWarningSeconds !== undefined;
      await db.transaction(async (tx) => {
        const now = clock.now();
        if (!(await store.update(tx, id, change, now))) throw new NotFoundError(`organization ${id} not found`);
        if (thresholdsChanged) await deps.thresholdsChanged(tx, id, now);
      });
      return get(id);
    },

    async dialectSettings(id: string, dialect: string): Promise<DialectSettings> {
      const row = await store.findDialectSettings(id, dialect);
      if (!row) throw new NotFoundError(`organization ${id} not found`);
      return { value: row.value, thresholds: effectiveThresholds(row, deps.defaults) };
    },

    async saveDialectSettings(id: string, dialect: string, value: unknown, thresholds?: Thresholds): Promise<Organization> {
      const change: ThresholdsChange = thresholds
        ? { heartbeatTimeoutSeconds: thresholds.timeoutSeconds, heartbeatWarningSeconds: thresholds.warningSeconds }
        : {};
      assertThresholdsConsistent(change);
      await db.transaction(async (tx) => {
        const now = clock.now();
        if (!(await store.update(tx, id, change, now))) throw new NotFoundError(`organization ${id} not found`);
        await store.saveDialectSettings(tx, id, dialect, value, now);
        if (thresholds) await deps.thresholdsChanged(tx, id, now);
      });
      return get(id);
    },

    async ensureDefault(): Promise<Organization> {
      const existing = await store.findDefault();
      if (existing) return existing;
      await db.transaction((tx) => store.insert(tx, { name: DEFAULT_ORGANIZATION_NAME, isDefault: true }, clock.now()));
      const created = await store.findDefault();
      if (!created) throw new Error('the default organization could not be created');
      return created;
    },
  };
}
function assertThresholdsConsistent(thresholds: {
  heartbeatTimeoutSeconds?: number | null | undefined;
  heartbeatWarningSeconds?: number | null | undefined;
}): void {
  const timeout = thresholds.heartbeatTimeoutSeconds;
  const warning = thresholds.heartbeatWarningSeconds;
  if (timeout != null && warning != null && warning > 0 && warning >= timeout) {
    throw new BadRequestError('heartbeat_warning_minutes must be lower than heartbeat_timeout_minutes (the same for _seconds)', {
      errors: [{ field: 'heartbeat_warning_minutes', message: 'must be lower than heartbeat_timeout_minutes' }],
    });
  }
}
