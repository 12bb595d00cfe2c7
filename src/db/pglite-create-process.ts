/**
 * Run by pglite-create.ts as `node pglite-create-process.ts <dataDir> <sharedBuffers>`: creates
 * the embedded database there (PGlite runs initdb) with Muster's settings, shuts it down cleanly
 * and exits.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { DurableNodeFS } from './pglite-durable-fs.ts';
import { startOptions } from './pglite-settings.ts';

const [dataDir, sharedBuffers] = process.argv.slice(2);
if (!dataDir || !sharedBuffers) throw new Error('usage: pglite-create-process.ts <dataDir> <sharedBuffers>');
mkdirSync(dataDir, { recursive: true });
const pglite = await PGlite.create({ ...startOptions(Number(sharedBuffers)), fs: new DurableNodeFS(dataDir) });
await pglite.close();
