import type { FeatureMount } from '../../composition/feature.ts';
import { DEFAULT_STALENESS, type StalenessThresholds } from '../../features/hosts/index.ts';
import { hostInventoryRoutes, type HostInventoryRoutesDeps } from './host-inventory-routes.ts';

export type HostInventoryDeps = Omit<HostInventoryRoutesDeps, 'staleness'>;

/** The host-inventory dialect (SPEC §8.3): the peer's hosts API under `/api/inventory/v1`. */
export function createHostInventory(deps: HostInventoryDeps) {
  const staleness = async (): Promise<StalenessThresholds> => DEFAULT_STALENESS;
  return {
    mount: { applianceRoutes: [hostInventoryRoutes({ ...deps, staleness })] } satisfies FeatureMount,
  };
}
