import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import type { Db } from '../../src/db/db.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openPgliteDb } from '../../src/db/pglite-db.ts';
import type { DiskObserver } from '../../src/db/pglite-durable-fs.ts';
import { openPostgresDb } from '../../src/db/postgres-db.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface TestDatabase {
  kind: DatabaseKind;
  db: Db;
  /** Opens another, independent connection to the same database (a second Muster node). */
  openAnother(): Promise<Db>;
  dispose(): Promise<void>;
}

const postgresUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;

/**
 * The databases every database test runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL
 * (or DATABASE_URL) points at one. In CI a missing PostgreSQL is a failure, not a skip.
 */
export function databaseKinds(): DatabaseKind[] {
  if (postgresUrl) return ['pglite', 'postgres'];
  if (process.env.CI === 'true') throw new Error('CI=true but neither TEST_DATABASE_URL nor DATABASE_URL is set: the PostgreSQL half of the suite cannot run');
  return ['pglite'];
}

/** A fresh, migrated database: in-memory PGlite, or a new schema on PostgreSQL dropped afterwards. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const db = await openPgliteDb(undefined);
    await migrate(db);
    return {
      kind,
      db,
      openAnother: () => Promise.resolve(sharedHandle(db)),
      dispose: () => db.close(),
    };
  }
  const schema = `muster_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const opened: Db[] = [];
  const open = async () => {
    const db = await openPostgresDb({ connectionString: postgresUrl!, poolSize: 5, schema });
    opened.push(db);
    return db;
  };
  const db = await open();
  await migrate(db);
  return {
    kind,
    db,
    openAnother: open,
    async dispose() {
      for (const handle of opened) await handle.close();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      // The job runner keeps its tables in a schema named after the database's.
      await admin.query(`DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
      await admin.end();
    },
  };
}

/**
 * A fresh database of `kind` for the enclosing `describe`, opened in a `before` hook and disposed
 * in an `after` hook registered here, once `beforeDispose` (what runs on it) has been closed.
 * The object returned is filled in by that `before` hook: use it in hooks and tests.
 */
export function useTestDatabase(kind: DatabaseKind, beforeDispose?: () => Promise<void>): TestDatabase {
  const database = {} as TestDatabase;
  before(async () => {
    Object.assign(database, await openTestDatabase(kind));
  });
  after(async () => {
    await beforeDispose?.();
    if ('dispose' in database) await database.dispose();
  });
  return database;
}

/**
 * A migrated PGlite on disk, as Muster runs it by default (the other tests use PGlite in memory),
 * in a fresh temporary directory removed by dispose. `observer` sees its writes and syncs.
 */
export async function openDiskPgliteDatabase(observer?: DiskObserver): Promise<TestDatabase & { dataDir: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'muster-pglite-'));
  const db = await openPgliteDb(path.join(dataDir, 'pglite'), observer ? { diskObserver: observer } : {});
  await migrate(db);
  return {
    kind: 'pglite',
    db,
    dataDir,
    openAnother: () => Promise.resolve(sharedHandle(db)),
    async dispose() {
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** PGlite is one connection in one process: a second node shares it, but must not close it. */
function sharedHandle(db: Db): Db {
  return { ...db, close: () => Promise.resolve() };
}

/**
 * A fresh, empty database on the TEST_DATABASE_URL server for a Muster process of the test's own
 * (which migrates it at start-up as in production, and names its job schema after it): its
 * connection string, and `drop` for afterwards (the process stopped first).
 */
export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!postgresUrl) throw new Error('createPostgresDatabase needs TEST_DATABASE_URL (or DATABASE_URL)');
  const name = `muster_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const again = new pg.Client({ connectionString: postgresUrl });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}
