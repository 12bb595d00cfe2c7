import type { Logger } from 'pino';
import { tryAdvisoryXactLock, type Db } from '../../../db/db.ts';
import type { InventoryStore } from '../inventory-store.ts';
import { deriveHostProfile } from './host-profile.ts';

const SYSTEMS_PER_TRANSACTION = 200;

/**
 * Host profiles are derived when an inventory is processed. Systems whose latest inventory was
 * processed before profiles existed (an upgrade) get theirs here: from their latest record, a
 * batch per transaction, once per cluster at a time. Once a pass finds nothing, this node stops
 * looking, since every later inventory brings its profile with it.
 */
export function createHostProfileBackfill(deps: { db: Db; store: Pick<InventoryStore, 'recordData' | 'saveHostProfiles'>; logger: Logger }) {
  let done = false;

  async function run(signal?: AbortSignal): Promise<number> {
    if (done) return 0;
    let derived = 0;
    for (;;) {
      if (signal?.aborted) return derived;
      const batch = await deps.db.transaction(async (tx) => {
        if (!(await tryAdvisoryXactLock(tx, 'host-profile-backfill'))) return null;
        const { rows } = await tx.query<{ system_id: string; organization_id: string; record_id: string; received_at: Date }>(
          `SELECT s.id AS system_id, s.organization_id, r.id AS record_id, r.received_at
           FROM systems s
           CROSS JOIN LATERAL (
             SELECT id, received_at FROM inventory_records WHERE system_id = s.id ORDER BY received_at DESC, id DESC LIMIT 1
           ) r
           WHERE NOT EXISTS (SELECT 1 FROM host_profiles hp WHERE hp.system_id = s.id)
           ORDER BY s.id LIMIT $1`,
          [SYSTEMS_PER_TRANSACTION],
        );
        const data = await deps.store.recordData(
          tx,
          rows.map((row) => row.record_id),
        );
        await deps.store.saveHostProfiles(
          tx,
          rows.map((row) => ({
            systemId: row.system_id,
            organizationId: row.organization_id,
            profile: deriveHostProfile(data.get(row.record_id)),
            at: row.received_at,
          })),
        );
        return rows.length;
      });
      // Another node is at it: look again at the next run.
      if (batch === null) return derived;
      derived += batch;
      if (batch < SYSTEMS_PER_TRANSACTION) break;
    }
    done = true;
    if (derived > 0) deps.logger.info({ derived }, 'host profiles derived for systems processed before profiles existed');
    return derived;
  }

  return { run };
}
