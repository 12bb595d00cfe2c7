import { fdatasyncSync, fsyncSync, openSync, closeSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { NodeFS } from '@electric-sql/pglite/nodefs';

type PostgresMod = Parameters<NodeFS['init']>[1];

/** What the embedded database asked of the disk; for tests that check a sync precedes an answer. */
export interface DiskObserver {
  /** A write to a file under the data directory (`path` as PostgreSQL sees it, e.g. `/pglite/data/pg_wal/…`). */
  written?: (path: string) => void;
  /** A completed fsync or fdatasync of that file or directory. */
  synced: (path: string, call: 'fsync' | 'fdatasync') => void;
}

/** The parts of Emscripten's runtime this file touches; PGlite's types do not describe them. */
interface NodefsStream {
  path: string;
  nfd?: number;
}
interface EmscriptenNodefs {
  stream_ops: {
    fsync?: (stream: NodefsStream) => number;
    write: (stream: NodefsStream, buffer: Uint8Array, offset: number, length: number, position?: number) => number;
  };
  tryFSOperation: <T>(operation: () => T) => T;
}
interface EmscriptenRuntime {
  FS: { getStream: (fd: number) => NodefsStream | undefined };
  NODEFS: EmscriptenNodefs;
}
/** Emscripten's `instantiateWasm(imports, done)`; the imports are read when the module is instantiated. */
type Instantiate = (imports: { env: Record<string, unknown> }, done: (...instantiated: unknown[]) => void) => unknown;

const EBADF = 8;
const EIO = 29;

/**
 * PGlite's NODEFS with the two sync calls made real. Emscripten's NODEFS has no `fsync` stream
 * operation (so `fsync()` returns 0 without touching the disk) and its `fdatasync()` syscall
 * returns 0 for every file: PostgreSQL's WAL flush at commit and its checkpoint's fsyncs of data
 * files were no-ops, and a committed transaction lived only in the page cache.
 *
 * Here `fsync()` reaches Node's `fsyncSync` and `fdatasync()` Node's `fdatasyncSync` on the real
 * file descriptor, synchronously, inside the call PostgreSQL made: its own ordering (WAL flushed
 * before COMMIT returns; data files fsynced before a checkpoint lets their WAL be recycled; the
 * directory after a WAL segment is renamed) then holds on disk as on a server. A failed sync is
 * reported to PostgreSQL as EIO, which PANICs as it does on a server rather than carrying on.
 * Both hooks are installed before PostgreSQL starts: `fdatasync` by replacing its import when the
 * WASM module is instantiated (the runtime binds imports then), `fsync` on NODEFS's stream
 * operations, which `fd_sync` looks up at each call.
 */
export class DurableNodeFS extends NodeFS {
  readonly #observer: DiskObserver | undefined;

  constructor(dataDir: string, observer?: DiskObserver) {
    super(dataDir);
    this.#observer = observer;
  }

  override async init(pg: PGlite, options: PostgresMod): Promise<{ emscriptenOpts: PostgresMod }> {
    const { emscriptenOpts } = await super.init(pg, options);
    const observer = this.#observer;
    let runtime: EmscriptenRuntime | undefined;
    const instantiate = emscriptenOpts.instantiateWasm as unknown as Instantiate;

    const fdatasync = (fd: number): number => {
      const stream = runtime?.FS.getStream(fd);
      if (!stream) return -EBADF;
      if (stream.nfd === undefined) return 0; // not a NODEFS file (the in-memory /tmp): nothing on disk
      try {
        fdatasyncSync(stream.nfd);
      } catch {
        return -EIO;
      }
      observer?.synced(stream.path, 'fdatasync');
      return 0;
    };

    const installFsync = (module: unknown) => {
      runtime = module as EmscriptenRuntime;
      const nodefs = runtime.NODEFS;
      nodefs.stream_ops.fsync = (stream) => {
        const fd = stream.nfd;
        if (fd === undefined) return 0;
        // Errors become Emscripten's ErrnoError, which fd_sync returns to PostgreSQL.
        nodefs.tryFSOperation(() => fsyncSync(fd));
        observer?.synced(stream.path, 'fsync');
        return 0;
      };
      if (observer?.written) {
        const written = observer.written;
        const write = nodefs.stream_ops.write;
        nodefs.stream_ops.write = (stream, buffer, offset, length, position) => {
          const count = write(stream, buffer, offset, length, position);
          written(stream.path);
          return count;
        };
      }
    };

    const instantiateWasm: Instantiate = (imports, done) => {
      imports.env.__syscall_fdatasync = fdatasync;
      return instantiate(imports, done);
    };
    const patched = { ...emscriptenOpts, instantiateWasm, preRun: [...(emscriptenOpts.preRun ?? []), installFsync] };
    return { emscriptenOpts: patched as unknown as PostgresMod };
  }
}

/** fsync of one file or directory, by path. */
export function syncPath(target: string): void {
  const fd = openSync(target, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * fsyncs every file and directory under `root`, and `root`'s parent: what initdb does at its end
 * (PGlite's initdb runs in WASM instances whose syncs do not reach the disk).
 */
export function syncTree(root: string): void {
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const target = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(target);
      else if (entry.isFile()) syncPath(target);
    }
    syncPath(dir);
  };
  visit(root);
  syncPath(path.dirname(root));
}
