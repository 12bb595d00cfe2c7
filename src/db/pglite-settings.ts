import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * PostgreSQL settings of the embedded database, chosen for memory: WASM linear memory only ever
 * grows, so whatever PostgreSQL touches once stays resident for the life of the process.
 * - shared_buffers 16MB (PGlite: 128MB, all of it resident once the buffer pool has cycled):
 *   pages beyond it are read back from the operating system's page cache, a syscall away.
 * - wal_buffers 4MB: what 128MB of shared_buffers gave by default (1/32); a group-committed
 *   batch of heartbeats or inventories is written from it in one go.
 * - maintenance_work_mem 16MB (64MB): the most VACUUM, CREATE INDEX and the like may take.
 * They are start parameters, so a changed value applies at the next start.
 */
function memorySettings(sharedBuffers: number): string[] {
  return [`shared_buffers=${Math.floor(sharedBuffers / 1024)}kB`, 'wal_buffers=4MB', 'maintenance_work_mem=16MB'].flatMap((setting) => ['-c', setting]);
}

/**
 * PGlite's own start parameters (single-user mode, no workers) without `-F` (fsync off): with it
 * PostgreSQL never asks for a sync, whatever the file system does. Then the memory settings.
 * initdb runs its bootstrap backends with those too (and writes them into postgresql.conf): with
 * PostgreSQL's default 128MB of shared buffers, creating a fresh database alone took the process
 * past 600 MB (see pglite-create.ts for the rest).
 * Also the extensions the migrations create, loaded at every start.
 */
export function startOptions(sharedBuffers: number) {
  return {
    // The contrib extensions the migrations create (0029: the systems list's trigram search).
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams.filter((param) => param !== '-F'), ...memorySettings(sharedBuffers)],
    initDbStartParams: memorySettings(sharedBuffers),
  };
}
