/** The liveness fleet straight in the tables: a SQL runner on PostgreSQL or PGlite, the bulk insert, and stopping systems. */
import { PGlite } from '@electric-sql/pglite';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { DB_LABEL, type DbKind, progress } from '../lib/basics.ts';
import { fmt } from '../lib/report.ts';
import { CROSS_FROM_S, CROSS_TO_S, INSERT_CHUNK, TIMEOUT_MINUTES } from '../liveness-bench.ts';

interface Runner {
  query<Row>(text: string, params?: unknown[]): Promise<Row[]>;
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}

export async function openPostgres(url: string): Promise<Runner> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async query<Row>(text: string, params: unknown[] = []) {
      return (await client.query(text, params)).rows as Row[];
    },
    async exec(text: string) {
      await client.query(text);
    },
    close: () => client.end(),
  };
}

export async function openPglite(dataDir: string): Promise<Runner> {
  const db = await PGlite.create({ dataDir: path.join(dataDir, 'pglite') });
  return {
    async query<Row>(text: string, params: unknown[] = []) {
      return (await db.query<Row>(text, params)).rows;
    },
    async exec(text: string) {
      await db.exec(text);
    },
    close: () => db.close(),
  };
}

export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

export async function bulkInsert(runner: Runner, db: DbKind, fleet: number, stopped: number): Promise<void> {
  const org = await runner.query<{ id: string }>('SELECT id FROM organizations WHERE is_default');
  if (!org[0]) throw new Error('no default organization: Muster did not start on this database');
  const step = Math.floor(fleet / stopped);
  // Every `step`-th system (the first `stopped` of them) is one that will stop; its name says so.
  const insert = `
    WITH s AS (
      INSERT INTO systems (id, organization_id, name, type, system_key, secret_public, secret_salt, secret_hash,
                           registered_at, created_at, updated_at)
      SELECT gen_random_uuid(), $1::uuid,
             CASE WHEN i % $4::int = 0 AND i / $4::int <= $5::int THEN 'stopped-' ELSE 'bench-' END || i,
             (ARRAY['ns8', 'nsec', 'linux'])[1 + i % 3],
             'BENCH-' || lpad(i::text, 9, '0'), 'pub' || i, 'salt', md5(i::text),
             now(), now(), now()
      FROM generate_series($2::int, $3::int) AS i
      RETURNING id
    )
    INSERT INTO system_liveness (system_id, status, last_heartbeat, status_changed_at, next_check_at)
    SELECT id, 'active', now(), now(), now() + make_interval(mins => ${TIMEOUT_MINUTES}) FROM s`;
  const chunk = INSERT_CHUNK[db];
  for (let from = 1; from <= fleet; from += chunk) {
    const to = Math.min(fleet, from + chunk - 1);
    const started = performance.now();
    await runner.query(insert, [org[0].id, from, to, step, stopped]);
    progress(`${DB_LABEL[db]}: inserted systems ${fmt(from)}-${fmt(to)} in ${fmt((performance.now() - started) / 1000, 1)} s`);
  }
}

/** Sets the stopped systems' last heartbeats so they cross the threshold 2-20 s from now, evenly spread. */
export async function stopSystems(runner: Runner, ids: string[]): Promise<void> {
  await runner.query(
    `UPDATE system_liveness l SET
       last_heartbeat = t.beat,
       status_changed_at = t.beat,
       next_check_at = t.beat + make_interval(mins => ${TIMEOUT_MINUTES})
     FROM (
       SELECT u.id, now() - make_interval(mins => ${TIMEOUT_MINUTES})
                    + make_interval(secs => ${CROSS_FROM_S} + ${CROSS_TO_S - CROSS_FROM_S}.0 * (u.ord - 1) / greatest($2::int - 1, 1)) AS beat
       FROM unnest($1::uuid[]) WITH ORDINALITY AS u (id, ord)
     ) t
     WHERE l.system_id = t.id`,
    [ids, ids.length],
  );
}
