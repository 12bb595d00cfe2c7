import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db, NotificationHandler, QueryResult, Sql } from './db.ts';
import { DurableNodeFS, syncTree, type DiskObserver } from './pglite-durable-fs.ts';

export interface PgliteDbOptions {
  /** Sees every sync (and write) the database makes under `dataDir`: tests of durability. */
  diskObserver?: DiskObserver;
}

/**
 * PGlite's own start parameters without `-F` (fsync off): with it PostgreSQL never asks for a
 * sync, whatever the file system does. The rest are PGlite's (single-user mode, no workers).
 */
const START_PARAMS = PGlite.defaultStartParams.filter((param) => param !== '-F');

/** The embedded database: PostgreSQL compiled to WASM, data under `dataDir` (memory when undefined). */
export async function openPgliteDb(dataDir: string | undefined, options: PgliteDbOptions = {}): Promise<Db> {
  let pglite: PGlite;
  if (dataDir === undefined) {
    pglite = await PGlite.create({ startParams: START_PARAMS });
  } else {
    mkdirSync(dataDir, { recursive: true });
    const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
    pglite = await PGlite.create({ fs: new DurableNodeFS(dataDir, options.diskObserver), startParams: START_PARAMS });
    if (fresh) syncTree(dataDir);
  }

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
