import { PGlite } from '@electric-sql/pglite';
import { amcheck } from '@electric-sql/pglite/contrib/amcheck';
import type { Sql } from '../../src/db/db.ts';

/**
 * Checks a database with amcheck, as after a crash: every valid B-tree index is consistent and
 * indexes every row of its table (`bt_index_check` with `heapallindexed`), and no table page is
 * corrupt (`verify_heapam`). Resolves to what is wrong (nothing, when all is well) and how many
 * relations were checked (a partitioned table's parts, not the parent). Needs the right to create the extension, which it drops afterwards.
 */
export async function checkIntegrity(sql: Sql): Promise<{ problems: string[]; indexes: number; tables: number }> {
  const { rows: existing } = await sql.query<{ present: boolean }>("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck') AS present");
  if (!existing[0]?.present) await sql.query('CREATE EXTENSION amcheck');
  try {
    const problems: string[] = [];
    const { rows: indexes } = await sql.query<{ oid: number; name: string }>(
      `SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS name
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE am.amname = 'btree' AND c.relkind = 'i' AND i.indisvalid AND i.indisready AND c.relpersistence <> 't'`,
    );
    for (const index of indexes) {
      await sql.query('SELECT bt_index_check($1::oid, true)', [index.oid]).catch((error: Error) => problems.push(`${index.name}: ${error.message}`));
    }
    const { rows: tables } = await sql.query<{ oid: number; name: string }>(
      `SELECT c.oid::int AS oid, n.nspname || '.' || c.relname AS name
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'm', 't') AND c.relpersistence <> 't'`,
    );
    for (const table of tables) {
      const { rows } = await sql.query<{ msg: string }>('SELECT msg FROM verify_heapam($1::oid)', [table.oid]);
      for (const row of rows) problems.push(`${table.name}: ${row.msg}`);
    }
    return { problems, indexes: indexes.length, tables: tables.length };
  } finally {
    if (!existing[0]?.present) await sql.query('DROP EXTENSION amcheck');
  }
}

/** Opens an embedded data directory in this process (with amcheck available), runs `work`, closes it. */
export async function withPgliteDataDir<T>(dataDir: string, work: (sql: Sql) => Promise<T>): Promise<T> {
  const pglite = await PGlite.create({ dataDir, extensions: { amcheck } });
  try {
    return await work({
      query: async <Row>(text: string, params: readonly unknown[] = []) => {
        const result = await pglite.query<Row>(text, params as unknown[]);
        return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
      },
    });
  } finally {
    await pglite.close();
  }
}
