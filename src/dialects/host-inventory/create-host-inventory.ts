import type { Logger } from 'pino';
import type { FeatureMount } from '../../composition/feature.ts';
import type { SystemsService } from '../../features/systems/index.ts';
import { createHostCulling, type StalenessThresholds } from '../../features/hosts/index.ts';
import { hostInventoryRoutes, type HostInventoryRoutesDeps } from './host-inventory-routes.ts';
import { readStaleness } from './staleness.ts';

/** How often culled hosts are looked for. */
const CULLING_INTERVAL_MS = 10 * 60_000;

export type HostInventoryDeps = Omit<HostInventoryRoutesDeps, 'staleness' | 'systems'> & {
  logger: Logger;
  systems: HostInventoryRoutesDeps['systems'] & Pick<SystemsService, 'deleteSilentSince'>;
};

/**
 * The host-inventory dialect (SPEC §8.3): the peer's hosts API under `/api/inventory/v1`, and the
 * culling of hosts past their organization's threshold (the core's, with this dialect's settings).
 */
export function createHostInventory(deps: HostInventoryDeps) {
  const staleness = (organizationId: string): Promise<StalenessThresholds> => readStaleness(deps.organizations, organizationId);
  const culling = createHostCulling({
    clock: deps.clock,
    logger: deps.logger,
    systems: deps.systems,
    organizationIds: () => deps.hosts.organizationIds(),
    cullAfterSeconds: async (organizationId) => (await staleness(organizationId)).cullSeconds,
  });
  return {
    culling,
    mount: {
      applianceRoutes: [hostInventoryRoutes({ ...deps, staleness })],
      tasks: [{ name: 'host-culling', intervalMs: CULLING_INTERVAL_MS, run: culling.run }],
    } satisfies FeatureMount,
  };
}
