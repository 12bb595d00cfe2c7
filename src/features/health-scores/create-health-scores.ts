import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Db } from '../../db/db.ts';
import type { SystemsService } from '../systems/index.ts';
import { healthScoreRoutes } from './health-scores-routes.ts';
import { createHealthService } from './health-scores-service.ts';
import { createHealthStore } from './health-scores-store.ts';

export interface HealthScoresDeps {
  db: Db;
  clock: Clock;
  systems: SystemsService;
}

/** Each system's health score: availability from its liveness history, with its open alerts and changes. */
export function createHealthScores(deps: HealthScoresDeps) {
  const service = createHealthService({ store: createHealthStore(deps.db), clock: deps.clock });
  return { mount: { managementRoutes: [healthScoreRoutes(service, deps.systems)] } satisfies FeatureMount };
}
