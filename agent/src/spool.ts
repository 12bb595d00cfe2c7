import { link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ownLikeItsDirectory } from './file-ownership.ts';

/**
 * The on-disk queue of inventories and metrics not yet accepted by Muster (ADR 0024). One file
 * per record, named by a zero-padded sequence number that only grows, so the directory's sorted
 * listing is the sending order. A record is written to a temporary name, fsynced and linked to
 * its final name (never overwriting one), and deleted only after Muster answered 2xx: killed at
 * any moment, the agent loses nothing spooled, and at most the record in flight is sent again.
 */
export type RecordKind = 'inventory' | 'metrics';

export interface SpoolRecord {
  seq: string;
  kind: RecordKind;
  createdAt: string;
  body: unknown;
}

export interface Spool {
  /** Writes a record durably; returns its sequence and how many old records were dropped to make room. */
  append(kind: RecordKind, body: unknown): Promise<{ seq: string; dropped: number }>;
  /** The oldest record (marked in flight, so that making room never drops it), or undefined. */
  oldest(): Promise<SpoolRecord | undefined>;
  remove(seq: string): Promise<void>;
  /** Moves a record Muster will never accept out of the queue (the newest few are kept in rejected/). */
  setAside(seq: string): Promise<void>;
  size(): Promise<{ records: number; bytes: number }>;
}

const RECORD = /^(\d{16})\.json$/;
const KEEP_REJECTED = 20;

export async function openSpool(directory: string, maxBytes: number): Promise<Spool> {
  const rejected = path.join(directory, 'rejected');
  await mkdir(rejected, { recursive: true, mode: 0o700 });
  let lastIssued = 0;
  let inFlight: string | undefined;

  const fileOf = (seq: string) => path.join(directory, `${seq}.json`);

  async function listed(): Promise<string[]> {
    return (await readdir(directory))
      .map((name) => RECORD.exec(name)?.[1])
      .filter((seq): seq is string => seq !== undefined)
      .sort();
  }

  async function syncDirectory(): Promise<void> {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async function sizeOf(seq: string): Promise<number> {
    try {
      return (await stat(fileOf(seq))).size;
    } catch {
      return 0;
    }
  }

  async function makeRoom(): Promise<number> {
    const seqs = await listed();
    const sizes = await Promise.all(seqs.map(sizeOf));
    let total = sizes.reduce((sum, size) => sum + size, 0);
    let dropped = 0;
    // The newest record always stays, however large.
    for (let index = 0; index < seqs.length - 1 && total > maxBytes; index++) {
      if (seqs[index] === inFlight) continue;
      await unlink(fileOf(seqs[index]!)).catch(() => undefined);
      total -= sizes[index]!;
      dropped++;
    }
    return dropped;
  }

  return {
    async append(kind, body) {
      const contents = JSON.stringify({ kind, createdAt: new Date().toISOString(), body });
      const existing = (await listed()).at(-1);
      for (;;) {
        // Microseconds since the epoch, past any record already there: ordered across restarts.
        const next = Math.max(Date.now() * 1000, lastIssued + 1, existing === undefined ? 0 : Number(existing) + 1);
        lastIssued = next;
        const seq = String(next).padStart(16, '0');
        const temporary = path.join(directory, `.${seq}.${process.pid}.tmp`);
        const handle = await open(temporary, 'w', 0o600);
        await ownLikeItsDirectory(temporary, directory);
        try {
          await handle.writeFile(contents);
          await handle.sync();
        } finally {
          await handle.close();
        }
        try {
          // link, unlike rename, fails rather than replace a record another process just wrote.
          await link(temporary, fileOf(seq));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
          throw error;
        } finally {
          await unlink(temporary).catch(() => undefined);
        }
        await syncDirectory();
        return { seq, dropped: await makeRoom() };
      }
    },

    async oldest() {
      for (const seq of await listed()) {
        let raw: string;
        try {
          raw = await readFile(fileOf(seq), 'utf8');
        } catch {
          continue; // dropped meanwhile
        }
        let parsed: Omit<SpoolRecord, 'seq'>;
        try {
          parsed = JSON.parse(raw) as Omit<SpoolRecord, 'seq'>;
        } catch {
          // Not written by this agent (records are complete once named): out of the way.
          await rename(fileOf(seq), path.join(rejected, `${seq}.json`)).catch(() => undefined);
          continue;
        }
        inFlight = seq;
        return { seq, ...parsed };
      }
      return undefined;
    },

    async remove(seq) {
      await unlink(fileOf(seq)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      if (inFlight === seq) inFlight = undefined;
      await syncDirectory();
    },

    async setAside(seq) {
      await rename(fileOf(seq), path.join(rejected, `${seq}.json`));
      if (inFlight === seq) inFlight = undefined;
      await syncDirectory();
      const kept = (await readdir(rejected)).sort();
      for (const name of kept.slice(0, Math.max(0, kept.length - KEEP_REJECTED))) await unlink(path.join(rejected, name)).catch(() => undefined);
    },

    async size() {
      const seqs = await listed();
      const sizes = await Promise.all(seqs.map(sizeOf));
      return { records: seqs.length, bytes: sizes.reduce((sum, size) => sum + size, 0) };
    },
  };
}
