import type { Db } from './db.ts';

/**
 * PGlite has no autovacuum: without this, every heartbeat's dead row version would stay, and
 * the planner would never get statistics (it then scans whole tables in the heartbeat
 * statement). PostgreSQL does both itself. Runs VACUUM (ANALYZE) on the embedded database.
 */
export async function maintainEmbeddedDatabase(db: Db): Promise<void> {
  if (db.kind !== 'pglite') return;
  await db.query('VACUUM (ANALYZE)');
}
