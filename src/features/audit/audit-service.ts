import type { Clock } from '../../clock/clock.ts';
import type { AuditEntry } from '../../db/audit-scope.ts';
import type { Page } from '../../http/pagination.ts';
import type { AuditFilter, AuditStore } from './audit-store.ts';

export interface AuditService {
  list(filter: AuditFilter): Promise<Page<AuditEntry>>;
  /** Deletes rows older than the retention, in batches; how many. */
  pruneExpired(): Promise<number>;
}

/** Rows deleted by one statement, so that retention never holds a long transaction or a large lock. */
export const RETENTION_BATCH = 1000;
/** Batches per run at most; the next run goes on where this one stopped. */
const RETENTION_BATCHES_PER_RUN = 100;

export function createAuditService(deps: { clock: Clock; store: AuditStore; retentionDays: number }): AuditService {
  const { clock, store } = deps;
  return {
    list: (filter) => store.list(filter),

    async pruneExpired() {
      const before = new Date(clock.now().getTime() - deps.retentionDays * 86_400_000);
      let deleted = 0;
      for (let batch = 0; batch < RETENTION_BATCHES_PER_RUN; batch++) {
        const count = await store.deleteOlderThan(before, RETENTION_BATCH);
        deleted += count;
        if (count < RETENTION_BATCH) break;
      }
      return deleted;
    },
  };
}
