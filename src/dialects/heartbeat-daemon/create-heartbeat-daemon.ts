import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { ApiKeyAuthenticator } from '../../features/api-keys/index.ts';
import type { HeartbeatBatcher } from '../../features/heartbeats/index.ts';
import type { Liveness } from '../../features/liveness/index.ts';
import type { OrganizationsService } from '../../features/organizations/index.ts';
import type { HealthChecks } from '../../features/probes/index.ts';
import type { PeerSystems } from '../../features/systems/index.ts';
import type { JobQueue } from '../../queue/job-queue.ts';
import { heartbeatDaemonRoutes } from './heartbeat-daemon-routes.ts';
import { heartbeatDaemonManagementRoutes } from './management-routes.ts';
import { NOTIFICATION_QUEUE, sendingParams, toNotificationJobs, type NotificationJob, type SendingParams } from './notifications.ts';
import { DIALECT, readParams } from './params-settings.ts';
import { createStateManagerClient } from './state-manager.ts';

export interface HeartbeatDaemonDeps {
  clock: Clock;
  logger: Logger;
  config: Pick<Config, 'apiJsonLimits' | 'livenessScanIntervalMs'>;
  apiKeys: Pick<ApiKeyAuthenticator, 'authenticate'>;
  batcher: Pick<HeartbeatBatcher, 'submit'>;
  peers: PeerSystems;
  liveness: Pick<Liveness, 'service' | 'relay'>;
  organizations: Pick<OrganizationsService, 'dialectSettings' | 'saveDialectSettings'>;
  health: HealthChecks;
  version: string;
}

/**
 * The heartbeat-daemon dialect (SPEC §8.1): the daemon's `/hmi/v1` API for compute nodes, the
 * organization's parameters for operators, and the state-manager notifications, relayed from the
 * liveness engine's transitions as durable jobs.
 */
export function createHeartbeatDaemon(deps: HeartbeatDaemonDeps) {
  const params = (organizationId: string) => readParams(deps.organizations, organizationId);
  const stateManager = createStateManagerClient({
    liveness: deps.liveness.service,
    params,
    logger: deps.logger,
    userAgent: `muster/${deps.version}`,
  });
  const relay = deps.liveness.relay<SendingParams>({
    source: DIALECT,
    queue: NOTIFICATION_QUEUE,
    async prepare(organizationIds) {
      const context = new Map<string, SendingParams>();
      for (const organizationId of organizationIds) context.set(organizationId, sendingParams(await params(organizationId)));
      return context;
    },
    toJobs: toNotificationJobs,
  });

  return {
    /** One relay round now (tests; the scheduler runs it every LIVENESS_SCAN_INTERVAL_MS). */
    relay,
    mount: {
      applianceRoutes: [
        heartbeatDaemonRoutes({
          clock: deps.clock,
          apiKeys: deps.apiKeys,
          batcher: deps.batcher,
          peers: deps.peers,
          liveness: deps.liveness.service,
          organizations: deps.organizations,
          health: deps.health,
          stateManager: stateManager.status,
          jsonLimits: deps.config.apiJsonLimits,
        }),
      ],
      managementRoutes: [heartbeatDaemonManagementRoutes(deps.organizations)],
      queues: [
        {
          // Each job's retry limit is its organization's Sm_retries when it was queued.
          definition: { name: NOTIFICATION_QUEUE, retryLimit: 3, retryDelaySeconds: 2, retryDelayMaxSeconds: 300, expireInSeconds: 120 },
          work: (jobs: JobQueue) => jobs.work<NotificationJob>(NOTIFICATION_QUEUE, (job) => stateManager.deliver(job), 4),
        },
      ],
      tasks: [{ name: 'heartbeat-daemon-relay', intervalMs: deps.config.livenessScanIntervalMs, run: (signal) => relay.runOnce(signal) }],
    } satisfies FeatureMount,
  };
}
