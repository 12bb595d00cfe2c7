import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { SystemsService } from '../systems/index.ts';

const SYSTEMS_PER_TRANSACTION = 500;

export interface HostCullingDeps {
  clock: Clock;
  logger: Logger;
  systems: Pick<SystemsService, 'deleteSilentSince'>;
  /** Every organization's id. */
  organizationIds(): Promise<string[]>;
  /** Seconds after its last check-in at which the organization's hosts are culled. */
  cullAfterSeconds(organizationId: string): Promise<number>;
}

/**
 * Culls hosts: soft-deletes (restorably, through /api/v1) every live system whose last check-in
 * from any dialect is older than its organization's culling threshold. A batch per transaction,
 * one node at a time (another node's run in progress makes this one end early).
 */
export function createHostCulling(deps: HostCullingDeps) {
  async function run(signal?: AbortSignal): Promise<number> {
    let culled = 0;
    for (const organizationId of await deps.organizationIds()) {
      const cutoff = new Date(deps.clock.now().getTime() - (await deps.cullAfterSeconds(organizationId)) * 1000);
      for (;;) {
        if (signal?.aborted) return culled;
        const deleted = await deps.systems.deleteSilentSince(organizationId, cutoff, SYSTEMS_PER_TRANSACTION);
        if (deleted === null) return culled;
        culled += deleted;
        if (deleted < SYSTEMS_PER_TRANSACTION) break;
      }
    }
    if (culled > 0) deps.logger.info({ culled }, "culled hosts silent past their organization's threshold (soft-deleted)");
    return culled;
  }

  return { run };
}
