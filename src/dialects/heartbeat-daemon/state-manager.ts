import type { Logger } from 'pino';
import type { LivenessService } from '../../features/liveness/index.ts';
import { bulkStateBody, bulkStateUrl, type NotificationJob } from './notifications.ts';
import type { HeartbeatDaemonParams } from './params.ts';

/** The answers the daemon takes for delivered (SPEC §8.1). */
const DELIVERED = new Set([200, 202, 204]);

export interface StateManagerDeps {
  liveness: Pick<LivenessService, 'latestTransitionIds'>;
  /** The organization's parameters as they are now (a change applies to calls still waiting). */
  params: (organizationId: string) => Promise<HeartbeatDaemonParams>;
  logger: Logger;
  userAgent: string;
}

export type StateManagerStatus = 'Not initialized' | 'Ready' | 'Not ready';

/**
 * Sends one notification job: to the organization's `Sm_url` as it is now, only for components
 * whose latest transition is still the one the job reports (a later one has its own job, and an
 * older state must not overwrite it when delivery was delayed). A failure throws: the job queue
 * retries with backoff, and after the job's retries (`Sm_retries` when it was queued) it is dead.
 */
export function createStateManagerClient(deps: StateManagerDeps) {
  let status: StateManagerStatus = 'Not initialized';

  async function deliver(job: NotificationJob): Promise<void> {
    const params = await deps.params(job.organizationId);
    if (params.nosm !== 0 || params.smUrl === '') return;
    const latest = await deps.liveness.latestTransitionIds(job.components.map((component) => component.systemId));
    const current = job.components.filter((component) => latest.get(component.systemId) === component.eventId);
    if (current.length === 0) return;
    let answer: Response;
    try {
      answer = await fetch(bulkStateUrl(params.smUrl), {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'user-agent': deps.userAgent },
        body: bulkStateBody(
          job.category,
          current.map((component) => component.xname),
        ),
        signal: AbortSignal.timeout(Math.max(1, params.smTimeout) * 1000),
        redirect: 'manual',
      });
      await answer.body?.cancel();
    } catch (error) {
      status = 'Not ready';
      throw new Error(`state manager unreachable: ${(error as Error).message}`, { cause: error });
    }
    if (!DELIVERED.has(answer.status)) {
      status = 'Not ready';
      throw new Error(`state manager answered ${answer.status}`);
    }
    status = 'Ready';
    deps.logger.debug({ organizationId: job.organizationId, category: job.category, components: current.length }, 'state manager notified');
  }

  return {
    deliver,
    /** What this node saw of state managers in its last call. */
    status: (): StateManagerStatus => status,
  };
}
