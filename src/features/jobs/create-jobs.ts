import type { FeatureMount } from '../../composition/feature.ts';
import type { Db } from '../../db/db.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { jobsRoutes } from './jobs-routes.ts';

/** `/api/v1/jobs`: the durable queues' counts and their dead jobs, to retry or delete. */
export function createJobs(deps: { jobs: JobQueue; db: Db }) {
  return { mount: { managementRoutes: [jobsRoutes(deps.jobs, deps.db)] } satisfies FeatureMount };
}
