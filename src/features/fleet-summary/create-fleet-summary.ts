import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { InventoryQueries } from '../inventory/index.ts';
import type { SystemsService } from '../systems/index.ts';
import { fleetSummaryRoutes } from './fleet-summary-routes.ts';

export interface FleetSummaryDeps {
  clock: Clock;
  systems: Pick<SystemsService, 'countByStatus' | 'countByType'>;
  inventory: InventoryQueries;
}

/** `GET /api/v1/summary`: the fleet at a glance, from the systems' and inventory's read models. */
export function createFleetSummary(deps: FleetSummaryDeps) {
  return { mount: { managementRoutes: [fleetSummaryRoutes(deps.systems, deps.inventory, deps.clock)] } satisfies FeatureMount };
}
