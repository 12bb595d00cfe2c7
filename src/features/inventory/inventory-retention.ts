import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import { tryAdvisoryXactLock, type Db } from '../../db/db.ts';

const SYSTEMS_PER_TRANSACTION = 500;

/**
 * Thins out inventory records (never diffs), per system, the further back they go: everything
 * for 7 days; then the newest of each day to a month, of each week to three months, of each
 * month to a year, of each quarter beyond. The first record of a system (its baseline) and its
 * latest (the current state) always stay. Buckets are UTC calendar days, ISO weeks, months and
 * quarters; ages are measured from `now`.
 */
const DELETE_THINNED_RECORDS = `
WITH aged AS (
  SELECT id, system_id, received_at,
    CASE
      WHEN received_at > $2::timestamptz - interval '7 days' THEN 'all:' || id::text
      WHEN received_at > $2::timestamptz - interval '1 month' THEN 'day:' || date_trunc('day', received_at AT TIME ZONE 'UTC')::text
      WHEN received_at > $2::timestamptz - interval '3 months' THEN 'week:' || date_trunc('week', received_at AT TIME ZONE 'UTC')::text
      WHEN received_at > $2::timestamptz - interval '1 year' THEN 'month:' || date_trunc('month', received_at AT TIME ZONE 'UTC')::text
      ELSE 'quarter:' || date_trunc('quarter', received_at AT TIME ZONE 'UTC')::text
    END AS bucket,
    row_number() OVER (PARTITION BY system_id ORDER BY received_at ASC, id ASC) AS from_first,
    row_number() OVER (PARTITION BY system_id ORDER BY received_at DESC, id DESC) AS from_latest
  FROM inventory_records
  WHERE system_id = ANY($1::uuid[])
),
ranked AS (
  SELECT id, from_first, from_latest,
    row_number() OVER (PARTITION BY system_id, bucket ORDER BY received_at DESC, id DESC) AS in_bucket
  FROM aged
)
DELETE FROM inventory_records r USING ranked
WHERE r.id = ranked.id AND ranked.in_bucket > 1 AND ranked.from_first > 1 AND ranked.from_latest > 1`;

export interface RetentionDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
}

export interface InventoryRetention {
  /** One pass over every system; returns how many records it deleted, or -1 when another node is running it. */
  run: () => Promise<number>;
}

export function createInventoryRetention(deps: RetentionDeps): InventoryRetention {
  async function run(): Promise<number> {
    const now = deps.clock.now();
    let after = '00000000-0000-0000-0000-000000000000';
    let deleted = 0;
    for (;;) {
      const result = await deps.db.transaction(async (tx) => {
        if (!(await tryAdvisoryXactLock(tx, 'inventory-retention'))) return null;
        const { rows } = await tx.query<{ id: string }>('SELECT id FROM systems WHERE id > $1 ORDER BY id LIMIT $2', [after, SYSTEMS_PER_TRANSACTION]);
        if (rows.length === 0) return { systems: [] as string[], deleted: 0 };
        const ids = rows.map((row) => row.id);
        const { rowCount } = await tx.query(DELETE_THINNED_RECORDS, [ids, now]);
        return { systems: ids, deleted: rowCount };
      });
      if (result === null) return deleted === 0 ? -1 : deleted;
      deleted += result.deleted;
      if (result.systems.length < SYSTEMS_PER_TRANSACTION) break;
      after = result.systems.at(-1)!;
    }
    if (deleted > 0) deps.logger.info({ deleted }, 'inventory retention removed older records');
    return deleted;
  }

  return { run };
}
