import type { FastifyPluginAsync, RawServerDefault } from 'fastify';
import type { JobQueue, QueueDefinition } from '../queue/job-queue.ts';
import type { PeriodicTask } from '../scheduler/scheduler.ts';

/** Fastify plugins of any type provider: a feature's routes, registered as they are. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Routes = FastifyPluginAsync<Record<never, never>, RawServerDefault, any>;

/** A durable queue a feature owns: defined on every node, worked on worker nodes. */
export interface FeatureQueue {
  definition: QueueDefinition;
  /** Subscribes this node's handler for the queue (called on worker nodes only). */
  work: (jobs: JobQueue) => Promise<void>;
}

/**
 * What a feature's composition root (`src/features/<feature>/create-<feature>.ts`) hands the
 * app to mount. Each part is optional; the app decides where and on which nodes each runs
 * (README, "Architecture"): routes on api nodes (health on all), queues' handlers on worker
 * nodes, tasks on scheduler nodes.
 */
export interface FeatureMount {
  /** Routes every node serves at the root, whatever its roles, without authentication (health). */
  nodeRoutes?: Routes[];
  /** Routes api nodes serve at the root without authentication (the dashboard's files). */
  publicRoutes?: Routes[];
  /** Routes appliances call at the root, authenticated by their system credentials. */
  applianceRoutes?: Routes[];
  /** Routes for operators, under `/api/v1` behind the operators' authentication. */
  managementRoutes?: Routes[];
  queues?: FeatureQueue[];
  tasks?: PeriodicTask[];
  /** At start, before the queues and routes: database state this feature needs, subscriptions. */
  start?: () => Promise<void>;
  /** At stop, once no request is in flight: writes out what was acknowledged and is still held. */
  drain?: () => Promise<void>;
}
