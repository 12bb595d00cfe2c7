import type { Clock } from '../../clock/clock.ts';
import type { Sql } from '../../db/db.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { InventoryQueries } from '../inventory/index.ts';
import type { SystemsService } from '../systems/index.ts';
import { createAttentionStore } from './attention-store.ts';
import { fleetSummaryRoutes } from './fleet-summary-routes.ts';

export interface FleetSummaryDeps {
  clock: Clock;
  /** The database the attention list reads (systems, liveness and alerts at once). */
  db: Sql;
  systems: Pick<SystemsService, 'countByStatus' | 'countByType' | 'countByVersion' | 'countByAgentVersion'>;
  inventory: InventoryQueries;
}

/** `GET /api/v1/summary` and `/attention`: the fleet at a glance, from the systems', liveness, alerts' and inventory's read models. */
export function createFleetSummary(deps: FleetSummaryDeps) {
  const attention = createAttentionStore(deps.db);
  return { mount: { managementRoutes: [fleetSummaryRoutes(deps.systems, deps.inventory, attention, deps.clock)] } satisfies FeatureMount };
}
