import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Db } from '../../db/db.ts';
import { createTransactionHook, type TransactionListener } from '../../db/transaction-hook.ts';
import type { Thresholds } from './organization-thresholds.ts';
import { organizationsRoutes } from './organizations-routes.ts';
import { createOrganizationsService } from './organizations-service.ts';
import { createOrganizationsStore } from './organizations-store.ts';

export interface OrganizationsDeps {
  db: Db;
  clock: Clock;
  /** The global heartbeat thresholds (HEARTBEAT_*_MINUTES). */
  defaults: Thresholds;
}

/** Organizations: their settings (heartbeat thresholds) and the default one of a fresh install. */
export function createOrganizations(deps: OrganizationsDeps) {
  const thresholdsChanged = createTransactionHook<[organizationId: string, at: Date]>();
  const service = createOrganizationsService({ ...deps, store: createOrganizationsStore(deps.db), thresholdsChanged: thresholdsChanged.run });
  return {
    service,
    /** Runs `listener` in the transaction that changes an organization's heartbeat thresholds. */
    onThresholdsChanged(listener: TransactionListener<[organizationId: string, at: Date]>): void {
      thresholdsChanged.add(listener);
    },
    mount: {
      managementRoutes: [organizationsRoutes(service)],
      start: async () => void (await service.ensureDefault()),
    } satisfies FeatureMount,
  };
}

export type Organizations = ReturnType<typeof createOrganizations>;
