import { notify, type Sql } from '../../db/db.ts';
import { MAX_LABELS } from '../../domain/labels.ts';
import { NotFoundError } from '../../errors/errors.ts';
import { AUTH_INVALIDATION_CHANNEL } from './system-authenticator.ts';
import type { LockedSystem } from './systems-store.ts';
import type { SystemsServiceDeps } from './systems-service.ts';

export const BULK_ACTIONS = ['suspend', 'reactivate', 'delete', 'label'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export interface BulkChange {
  action: BulkAction;
  ids: readonly string[];
  /** For `label`: labels to set (added or replaced) and keys to remove. */
  labels?: { set: Record<string, string>; remove: readonly string[] } | undefined;
}

/** Each system's outcome: changed, already so (unchanged), or left as it was for a reason (skipped). */
export interface BulkOutcome {
  id: string;
  outcome: 'changed' | 'unchanged' | 'skipped';
  reason: string | null;
}

type Plan = { outcome: 'unchanged' } | { outcome: 'skipped'; reason: string } | { outcome: 'changed'; apply: (tx: Sql, now: Date) => Promise<void> };

/**
 * One change to many systems, in one transaction: every system is locked first, then each is
 * changed or skipped with its reason (a deleted system is neither suspended nor labelled). Ids
 * that are not systems the caller may change make the whole change a 404 naming them, and change
 * nothing. Suspending and deleting revoke the systems' credentials on every node, as one by one.
 */
export function createBulkChanges(deps: Pick<SystemsServiceDeps, 'db' | 'store' | 'clock' | 'authenticator' | 'onSetAside'>) {
  const { db, store, clock } = deps;

  function plan(change: BulkChange, system: LockedSystem): Plan {
    const setAside = async (tx: Sql, column: 'suspended_at' | 'deleted_at', now: Date) => {
      await store.setLifecycle(tx, system.id, column, now, now);
      await deps.onSetAside?.(tx, system.id, now);
    };
    if (system.deletedAt && change.action !== 'delete') return { outcome: 'skipped', reason: 'deleted; restore it first' };
    switch (change.action) {
      case 'suspend':
        return system.suspendedAt ? { outcome: 'unchanged' } : { outcome: 'changed', apply: (tx, now) => setAside(tx, 'suspended_at', now) };
      case 'reactivate':
        return system.suspendedAt
          ? { outcome: 'changed', apply: (tx, now) => store.setLifecycle(tx, system.id, 'suspended_at', null, now) }
          : { outcome: 'unchanged' };
      case 'delete':
        return system.deletedAt ? { outcome: 'unchanged' } : { outcome: 'changed', apply: (tx, now) => setAside(tx, 'deleted_at', now) };
      case 'label': {
        const { set = {}, remove = [] } = change.labels ?? {};
        const labels: Record<string, string> = { ...system.labels, ...set };
        for (const key of remove) delete labels[key];
        if (Object.keys(labels).length > MAX_LABELS) return { outcome: 'skipped', reason: `would hold more than ${MAX_LABELS} labels` };
        const same =
          Object.keys(labels).length === Object.keys(system.labels).length && Object.entries(labels).every(([key, value]) => system.labels[key] === value);
        return same ? { outcome: 'unchanged' } : { outcome: 'changed', apply: (tx, now) => store.update(tx, system.id, { labels }, now) };
      }
    }
  }

  return async function bulk(change: BulkChange, organizationIds: readonly string[] | undefined): Promise<BulkOutcome[]> {
    const revokes = change.action === 'suspend' || change.action === 'delete';
    const revoked: string[] = [];
    const outcomes = await db.transaction(async (tx) => {
      const locked = await store.lockMany(tx, change.ids, organizationIds);
      const byId = new Map(locked.map((system) => [system.id, system]));
      const missing = change.ids.filter((id) => !byId.has(id));
      if (missing.length > 0) throw new NotFoundError(`systems not found: ${missing.join(', ')}`);
      const now = clock.now();
      const results: BulkOutcome[] = [];
      for (const id of change.ids) {
        const system = byId.get(id)!;
        const planned = plan(change, system);
        if (planned.outcome === 'changed') {
          await planned.apply(tx, now);
          if (revokes) {
            await notify(tx, AUTH_INVALIDATION_CHANNEL, system.systemKey);
            revoked.push(system.systemKey);
          }
        }
        results.push({ id, outcome: planned.outcome, reason: planned.outcome === 'skipped' ? planned.reason : null });
      }
      return results;
    });
    for (const key of revoked) deps.authenticator.invalidate(key);
    return outcomes;
  };
}
