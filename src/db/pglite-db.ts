import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { Db, NotificationHandler, QueryResult, Sql } from './db.ts';

/** The embedded database: PostgreSQL compiled to WASM, data under `dataDir` (memory when undefined). */
export async function openPgliteDb(dataDir: string | undefined): Promise<Db> {
  if (dataDir !== undefined) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir === undefined ? {} : { dataDir });

  const wrap = (runner: Pick<PGlite, 'query'>): Sql => ({
    async query<Row>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
      const result = await runner.query<Row>(text, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
  });
  const direct = wrap(pglite);

  return {
    kind: 'pglite',
    embedded: pglite,
    query: direct.query,
    transaction: (work) => pglite.transaction((tx) => work(wrap(tx))),
    async listen(channel: string, onMessage: NotificationHandler): Promise<void> {
      await pglite.listen(channel, onMessage);
    },
    async close() {
      await pglite.close();
    },
  };
}
