import { randomUUID } from 'node:crypto';
import { constants, createWriteStream, type Dir, type WriteStream } from 'node:fs';
import { type FileHandle, mkdir, open, opendir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  assertValidKey,
  assertValidPrefix,
  assertValidPut,
  type BackupStorage,
  InvalidStorageKeyError,
  measureBody,
  SizeMismatchError,
  StorageUnavailableError,
  type StoredObject,
  TooLargeError,
} from './backup-storage.ts';

/**
 * Backups as plain files: key `a/b/c.tar.gz` is the file `<root>/a/b/c.tar.gz`.
 *
 * Beside each object sits a JSON sidecar `<root>/a/b/.c.tar.gz.meta.json` holding
 * `{version, size, sha256, contentType, metadata, storedAt}` (xattrs would need a native module
 * and are lost by many copy and backup tools). Keys cannot contain dot-names (see
 * `assertValidKey`), so sidecars and temporary files (`.c.tar.gz.<uuid>.tmp`) never collide with
 * an object and are skipped by `usage`.
 *
 * A put writes and fsyncs a temporary file in the target directory, writes the sidecar the same
 * way, renames the sidecar and then the data into place and fsyncs the directory: a key is
 * either absent or complete, even across a crash. A crash can leave a temporary file or an
 * orphan sidecar behind, never a partial object. All of it happens before `put` resolves, so
 * before the upload's 201.
 */
export interface FilesystemStorageOptions {
  /** Called after each completed fsync (a file, or a directory), with its path: tests of durability. */
  onSynced?: (path: string) => void;
}

export function createFilesystemStorage(root: string, options: FilesystemStorageOptions = {}): BackupStorage {
  const rootDir = resolve(root);
  const synced = options.onSynced ?? (() => {});

  const pathOf = (key: string): string => {
    assertValidKey(key);
    const path = join(rootDir, ...key.split('/'));
    // The key check already forbids this; the path check keeps it true if that rule ever loosens.
    if (!path.startsWith(rootDir + sep)) throw new InvalidStorageKeyError(key, 'escapes the storage root');
    return path;
  };
  const sidecarOf = (path: string) => join(dirname(path), `.${basename(path)}.meta.json`);

  return {
    kind: 'filesystem',

    async put(key, body, options): Promise<StoredObject> {
      assertValidPut(key, options);
      const path = pathOf(key);
      const dir = dirname(path);
      const tempData = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
      const tempSidecar = `${tempData}.meta`;
      const sidecar = sidecarOf(path);

      const { measured, release } = measureBody(body, options);
      // Each side's error reaches the other through the pipeline: the first one is the cause.
      let firstFailure: 'stream' | 'store' | undefined;
      measured.once('error', () => (firstFailure ??= 'stream'));
      let storeFailure: unknown;
      let sidecarInPlace = false;
      let dataInPlace = false;
      let out: WriteStream | undefined;
      try {
        let createdDir: string | undefined;
        try {
          createdDir = await mkdir(dir, { recursive: true });
        } catch (error) {
          storeFailure = error;
          throw error;
        }
        out = createWriteStream(tempData, { flags: 'wx', mode: 0o640, highWaterMark: 1024 * 1024 });
        out.once('error', (error) => {
          firstFailure ??= 'store';
          if (firstFailure === 'store') storeFailure ??= error;
        });
        await pipeline(measured, out);

        const stored = measured.result();
        try {
          // fsync applies to the file, not the descriptor: a fresh one after the stream's close will do.
          await syncPath(tempData, 'r+');
          synced(tempData);
          const record = {
            version: 1,
            size: stored.size,
            sha256: stored.sha256,
            contentType: options.contentType,
            metadata: { ...options.metadata, sha256: stored.sha256 },
            storedAt: new Date().toISOString(),
          };
          await writeFileSynced(tempSidecar, `${JSON.stringify(record, null, 2)}\n`);
          synced(tempSidecar);
          await rename(tempSidecar, sidecar);
          sidecarInPlace = true;
          await rename(tempData, path);
          dataInPlace = true;
          for (const path of await syncDirectories(dir, createdDir)) synced(path);
        } catch (error) {
          storeFailure = error;
          throw error;
        }
        return stored;
      } catch (error) {
        // A destroyed stream may still be opening the file: unlink only after it has closed.
        if (out && !out.closed) await new Promise<void>((resolve) => out?.once('close', () => resolve()));
        await Promise.all([removeQuietly(tempData), removeQuietly(tempSidecar)]);
        // A put that cannot be made durable leaves nothing, even if the renames went through.
        if (dataInPlace) await removeQuietly(path);
        if (sidecarInPlace) await removeQuietly(sidecar);
        if (error instanceof SizeMismatchError || error instanceof TooLargeError) throw error;
        if (storeFailure !== undefined) {
          throw new StorageUnavailableError(`cannot write backup ${key}: ${describe(storeFailure)}`, { cause: storeFailure });
        }
        throw error; // the body's own error (client disconnect)
      } finally {
        release();
      }
    },

    async get(key) {
      const path = pathOf(key);
      let file: FileHandle;
      try {
        file = await open(path, 'r');
      } catch (error) {
        if (isCode(error, 'ENOENT')) return null;
        throw unavailable(`cannot open backup ${key}`, error);
      }
      try {
        const info = await file.stat();
        if (!info.isFile()) {
          await file.close();
          return null;
        }
        // The open handle keeps the bytes readable even if the key is deleted meanwhile.
        return { stream: file.createReadStream({ highWaterMark: 256 * 1024 }), size: info.size };
      } catch (error) {
        await file.close().catch(() => {});
        throw unavailable(`cannot read backup ${key}`, error);
      }
    },

    async exists(key) {
      const path = pathOf(key);
      try {
        return (await stat(path)).isFile();
      } catch (error) {
        if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return false;
        throw unavailable(`cannot stat backup ${key}`, error);
      }
    },

    async delete(key) {
      const path = pathOf(key);
      try {
        // Data first: an orphan sidecar is harmless, an object without its sidecar is not.
        await removeOrThrow(path);
        await removeOrThrow(sidecarOf(path));
      } catch (error) {
        throw unavailable(`cannot delete backup ${key}`, error);
      }
    },

    async usage(prefix) {
      assertValidPrefix(prefix);
      // Walk the deepest directory the prefix names completely, then filter by string prefix.
      const slash = prefix.lastIndexOf('/');
      const start = slash === -1 ? rootDir : join(rootDir, ...prefix.slice(0, slash).split('/'));
      const total = { bytes: 0, count: 0 };
      try {
        await walk(start, async (path) => {
          const key = relative(rootDir, path).split(sep).join('/');
          if (!key.startsWith(prefix)) return;
          total.bytes += (await stat(path)).size;
          total.count += 1;
        });
      } catch (error) {
        throw unavailable(`cannot list backups under ${prefix}`, error);
      }
      return total;
    },

    async healthy() {
      const probe = join(rootDir, `.health-${randomUUID()}.tmp`);
      try {
        await mkdir(rootDir, { recursive: true });
        await writeFile(probe, 'ok', { flag: 'wx' });
        await unlink(probe);
        return true;
      } catch {
        await removeQuietly(probe);
        return false;
      }
    },
  };
}

/** Calls visit for every regular file below dir whose name does not start with a dot; a missing dir is empty. */
async function walk(dir: string, visit: (path: string) => Promise<void>): Promise<void> {
  let handle: Dir;
  try {
    handle = await opendir(dir);
  } catch (error) {
    if (isCode(error, 'ENOENT') || isCode(error, 'ENOTDIR')) return;
    throw error;
  }
  for await (const entry of handle) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, visit);
    else if (entry.isFile())
      await visit(path).catch((error: unknown) => {
        // Deleted between listing and stat: no longer counts.
        if (!isCode(error, 'ENOENT')) throw error;
      });
  }
}

async function writeFileSynced(path: string, content: string): Promise<void> {
  const file = await open(path, 'wx', 0o640);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
}

/**
 * Makes the renames and any newly created directories durable: fsync of the target directory,
 * and of each parent whose entry list gained a directory (from the first one mkdir created).
 * Answers the directories synced.
 */
async function syncDirectories(dir: string, firstCreated: string | undefined): Promise<string[]> {
  const dirs = [dir];
  if (firstCreated !== undefined) {
    for (let current = dir; current !== dirname(firstCreated) && current !== dirname(current);) {
      current = dirname(current);
      dirs.push(current);
    }
  }
  const synced: string[] = [];
  for (const path of dirs) {
    try {
      await syncPath(path, constants.O_RDONLY | constants.O_DIRECTORY);
      synced.push(path);
    } catch (error) {
      // Some filesystems cannot fsync a directory; the rename itself has happened.
      if (!isCode(error, 'EINVAL') && !isCode(error, 'EISDIR') && !isCode(error, 'ENOTSUP')) throw error;
    }
  }
  return synced;
}

async function syncPath(path: string, flags: string | number): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeOrThrow(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isCode(error, 'ENOENT') && !isCode(error, 'ENOTDIR')) throw error;
  }
}

async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => {});
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unavailable(message: string, error: unknown): StorageUnavailableError {
  return new StorageUnavailableError(`${message}: ${describe(error)}`, { cause: error });
}
