import type { FeatureMount } from '../../composition/feature.ts';
import type { Db } from '../../db/db.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { probesRoutes } from './probes-routes.ts';

/** `/api/health`: whether this node can serve, for load balancers and orchestrators. */
export function createProbes(deps: { db: Db; jobs: Pick<JobQueue, 'healthy'> }) {
  return { mount: { nodeRoutes: [probesRoutes(deps.db, () => deps.jobs.healthy())] } satisfies FeatureMount };
}
