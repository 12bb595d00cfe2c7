import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.ts';
import { installAccessControl, type AccessControlOptions } from '../http/access-control.ts';
import { installAuditTrail, type AuditTrailOptions } from '../http/audit-trail.ts';
import type { JobQueue } from '../queue/job-queue.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { FeatureMount } from './feature.ts';

/**
 * Registers the features' routes by audience: public and appliance routes at the root, management
 * routes under `/api/v1` behind access control (each declares what it needs) and, when given, the
 * audit trail (every change audited; README, "Audit log"). A node without the
 * `api` role serves only the node routes (health; `/metrics` is the HTTP app's own).
 */
export async function mountRoutes(
  app: FastifyInstance,
  features: readonly FeatureMount[],
  options: { roles: Config['roles']; access: AccessControlOptions; audit?: AuditTrailOptions },
): Promise<void> {
  const serving = options.roles.has('api');
  for (const feature of features) {
    for (const routes of feature.nodeRoutes ?? []) await app.register(routes);
    if (serving) for (const routes of [...(feature.publicRoutes ?? []), ...(feature.applianceRoutes ?? [])]) await app.register(routes);
  }
  if (!serving) return;
  await app.register(
    async (api) => {
      installAccessControl(api, options.access);
      if (options.audit) installAuditTrail(api, options.audit);
      for (const feature of features) for (const routes of feature.managementRoutes ?? []) await api.register(routes);
    },
    { prefix: '/api/v1' },
  );
}

/** Defines every feature's queues (on every node: any may enqueue) and, on worker nodes, subscribes their handlers. */
export async function startQueues(jobs: JobQueue, features: readonly FeatureMount[], worker: boolean): Promise<void> {
  const queues = features.flatMap((feature) => feature.queues ?? []);
  for (const queue of queues) await jobs.define(queue.definition);
  if (worker) for (const queue of queues) await queue.work(jobs);
}

export function registerTasks(scheduler: Scheduler, features: readonly FeatureMount[]): void {
  for (const task of features.flatMap((feature) => feature.tasks ?? [])) scheduler.register(task);
}
