import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync, renameSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { BASELINE_WASM_FLAG } from './embedded-runtime.ts';
import { syncPath, syncTree } from './pglite-durable-fs.ts';

const CREATE_SCRIPT = path.join(import.meta.dirname, 'pglite-create-process.ts');

/**
 * Creates the embedded database at `dataDir` in a short-lived child process, then syncs it and
 * renames it into place.
 *
 * A child, because PGlite's initdb keeps three WASM instances alive at once (the database, a
 * second one initdb drives, initdb itself): over 550 MB, never handed back to the system by the
 * process that did it. The child's memory is gone when it exits; Muster then opens the database
 * as on any later start.
 * A rename, because PGlite treats any directory holding PG_VERSION as a database: one created
 * under a temporary name and synced first (PGlite's initdb syncs nothing to disk) is either all
 * there after a crash or not there at all.
 */
export async function createPgliteDatabase(dataDir: string, sharedBuffers: number): Promise<void> {
  if (existsSync(dataDir)) {
    if (readdirSync(dataDir).length > 0) throw new Error(`${dataDir} holds files but no database (no PG_VERSION); move them away or empty it`);
    rmdirSync(dataDir);
  }
  const creating = `${dataDir}.creating`;
  rmSync(creating, { recursive: true, force: true }); // what a crash during an earlier attempt left
  // On the baseline compiler whatever the parent runs: initdb is short, and V8's optimizer would
  // double its time (7.0 s against 3.2 s) and its memory (1 GB against 540 MB).
  const child = spawn(process.execPath, [BASELINE_WASM_FLAG, CREATE_SCRIPT, creating, String(sharedBuffers)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => child.once('error', reject).once('exit', resolve));
  if (code !== 0) throw new Error(`creating the embedded database in ${creating} failed (exit code ${code}): ${stderr.trim()}`);
  syncTree(creating);
  renameSync(creating, dataDir);
  syncPath(path.dirname(dataDir));
}
