import type { Db } from './db.ts';

/**
 * Whether Muster keeps the database's tables vacuumed and analyzed itself. PGlite has no
 * autovacuum: without this, every heartbeat's dead row version would stay, and the planner would
 * never get statistics (it then scans whole tables in the heartbeat statement). PostgreSQL does
 * both itself, unless its autovacuum was turned off; then Muster does it as for PGlite.
 */
export async function needsOwnMaintenance(db: Db): Promise<boolean> {
  if (db.kind === 'pglite') return true;
  const { rows } = await db.query<{ off: boolean }>("SELECT current_setting('autovacuum') = 'off' AS off");
  return rows[0]?.off === true;
}

/** VACUUM (ANALYZE) of the whole database: Muster's own maintenance where no autovacuum runs. */
export async function maintainDatabase(db: Db): Promise<void> {
  await db.query('VACUUM (ANALYZE)');
}

/** How often the embedded database is checked for a checkpoint. */
export const EMBEDDED_CHECKPOINT_CHECK_MS = 30_000;

export interface CheckpointLimits {
  /** WAL written since the last checkpoint's redo point that calls for the next one. */
  afterWalBytes: number;
  /** Longest time between checkpoints while anything is written (PostgreSQL's checkpoint_timeout). */
  afterSeconds: number;
}

/**
 * 128 MiB bounds the WAL kept on disk and replayed after a crash (a few seconds in PGlite);
 * a checkpoint then costs a stall of at most shared_buffers written plus the fsyncs.
 */
const CHECKPOINT_LIMITS: CheckpointLimits = { afterWalBytes: 128 * 1024 * 1024, afterSeconds: 300 };

/**
 * PGlite runs PostgreSQL as a single-user backend, which has no checkpointer and never
 * checkpoints by itself (only at shutdown): its WAL would grow without end and a restart after a
 * crash would replay all of it. This plays the checkpointer's part, by WAL volume or age as
 * max_wal_size and checkpoint_timeout do. The checkpoint is PostgreSQL's own: it writes the dirty
 * buffers, fsyncs every data file they touched, and only then lets the WAL behind them be
 * recycled (with the sync calls made real in pglite-durable-fs.ts). Returns whether it ran.
 */
export async function checkpointEmbeddedDatabase(db: Db, limits: CheckpointLimits = CHECKPOINT_LIMITS): Promise<boolean> {
  if (db.kind !== 'pglite') return false;
  const { rows } = await db.query<{ wal_bytes: string; seconds: number; written: boolean }>(
    `SELECT pg_current_wal_insert_lsn() - redo_lsn AS wal_bytes,
            extract(epoch FROM now() - checkpoint_time)::float8 AS seconds,
            -- The checkpoint record itself follows checkpoint_lsn; anything more was written since.
            pg_current_wal_insert_lsn() - checkpoint_lsn > 512 AS written
       FROM pg_control_checkpoint()`,
  );
  const state = rows[0];
  if (!state?.written) return false;
  if (Number(state.wal_bytes) < limits.afterWalBytes && state.seconds < limits.afterSeconds) return false;
  await db.query('CHECKPOINT');
  return true;
}
