import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import { dashboardRoutes } from './dashboard-routes.ts';

/** The operators' dashboard: the built single-page app, served at the root (under BASE_PATH). */
export function createDashboard(deps: { config: Pick<Config, 'dashboardDir' | 'basePath'> }) {
  return { mount: { publicRoutes: [dashboardRoutes({ distDir: deps.config.dashboardDir, basePath: deps.config.basePath })] } satisfies FeatureMount };
}
