import type { FeatureMount } from '../../composition/feature.ts';
import { monitoringManagementRoutes } from './management-routes.ts';
import { monitoringRoutes, type MonitoringRoutesDeps } from './monitoring-routes.ts';

export type MonitoringDeps = MonitoringRoutesDeps;

/**
 * The monitoring-agent dialect (SPEC §8.2): the peer's API under `/monitoring` for its agents
 * and dashboards, and the organization's settings for operators.
 */
export function createMonitoring(deps: MonitoringDeps) {
  return {
    mount: {
      applianceRoutes: [monitoringRoutes(deps)],
      managementRoutes: [monitoringManagementRoutes(deps.organizations)],
    } satisfies FeatureMount,
  };
}
