import type { FeatureMount } from '../../composition/feature.ts';
import type { Db } from '../../db/db.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { createHealthChecks, probesRoutes } from './probes-routes.ts';

/** `/api/health`: whether this node can serve, for load balancers and orchestrators; the same checks for dialects' own probes. */
export function createProbes(deps: { db: Db; jobs: Pick<JobQueue, 'healthy'> }) {
  const checks = createHealthChecks(deps.db, () => deps.jobs.healthy());
  return { checks, mount: { nodeRoutes: [probesRoutes(deps.db, checks)] } satisfies FeatureMount };
}
