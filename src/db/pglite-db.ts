import { existsSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DEFAULT_EMBEDDED_SHARED_BUFFERS } from '../config/config.ts';
import type { Db, NotificationHandler, QueryResult, Sql } from './db.ts';
import { createPgliteDatabase } from './pglite-create.ts';
import { DurableNodeFS, type DiskObserver } from './pglite-durable-fs.ts';
import { startOptions } from './pglite-settings.ts';

export interface PgliteDbOptions {
  /** PostgreSQL's shared_buffers in bytes (EMBEDDED_SHARED_BUFFERS). */
  sharedBuffers?: number;
  /** Sees every sync (and write) the database makes under `dataDir`: tests of durability. */
  diskObserver?: DiskObserver;
}

/** The embedded database: PostgreSQL compiled to WASM, data under `dataDir` (memory when undefined). */
export async function openPgliteDb(dataDir: string | undefined, options: PgliteDbOptions = {}): Promise<Db> {
  const sharedBuffers = options.sharedBuffers ?? DEFAULT_EMBEDDED_SHARED_BUFFERS;
  let pglite: PGlite;
  if (dataDir === undefined) {
    pglite = await PGlite.create(startOptions(sharedBuffers));
  } else {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await createPgliteDatabase(dataDir, sharedBuffers);
    pglite = await PGlite.create({ ...startOptions(sharedBuffers), fs: new DurableNodeFS(dataDir, options.diskObserver) });
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
