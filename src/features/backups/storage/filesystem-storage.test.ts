import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SizeMismatchError, StorageUnavailableError } from './backup-storage.ts';
import { createFilesystemStorage } from './filesystem-storage.ts';

const PUT = { contentType: 'application/x-xz', metadata: { filename: 'config.tar.xz', 'uploader-ip': '2001:db8::1' } };
const bodyOf = (data: Buffer) => Readable.from([data], { objectMode: false });

describe('filesystem storage', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'muster-fs-storage-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores the object as a file under the root with a JSON sidecar', async () => {
    const storage = createFilesystemStorage(join(root, 'a'));
    const data = randomBytes(3000);
    const stored = await storage.put('org/NETH-1/0190.tar.xz', bodyOf(data), { ...PUT, expectedSize: 3000, maxSize: 5000 });
    const sha256 = createHash('sha256').update(data).digest('hex');
    assert.deepEqual(await readFile(join(root, 'a', 'org', 'NETH-1', '0190.tar.xz')), data);
    const sidecar = JSON.parse(await readFile(join(root, 'a', 'org', 'NETH-1', '.0190.tar.xz.meta.json'), 'utf8'));
    assert.equal(typeof sidecar.storedAt, 'string');
    delete sidecar.storedAt;
    assert.deepEqual(sidecar, {
      version: 1,
      size: 3000,
      sha256,
      contentType: 'application/x-xz',
      metadata: { filename: 'config.tar.xz', 'uploader-ip': '2001:db8::1', sha256 },
    });
    assert.deepEqual(stored, { size: 3000, sha256 });
    // The sidecar is no object: usage counts the data file only.
    assert.deepEqual(await storage.usage('org/'), { bytes: 3000, count: 1 });
    await storage.delete('org/NETH-1/0190.tar.xz');
    assert.deepEqual(await readdir(join(root, 'a', 'org', 'NETH-1')), []);
  });

  it('syncs the data, its sidecar and every directory it changed before the put resolves', async () => {
    const synced: string[] = [];
    const storage = createFilesystemStorage(join(root, 'synced'), { onSynced: (path) => synced.push(path) });
    const put = storage.put('org/NETH-2/0191.tar.xz', bodyOf(randomBytes(2000)), { ...PUT, expectedSize: 2000, maxSize: 5000 });
    await put;
    const dir = join(root, 'synced', 'org', 'NETH-2');
    assert.equal(synced.length, 6, synced.join('\n'));
    assert.match(synced[0]!, /\/\.0191\.tar\.xz\.[0-9a-f-]{36}\.tmp$/, 'the data, under its temporary name');
    assert.equal(synced[1], `${synced[0]}.meta`, 'then its sidecar');
    // Then, after both renames, the directory holding them and each one mkdir created above it.
    assert.deepEqual(synced.slice(2), [dir, join(root, 'synced', 'org'), join(root, 'synced'), root]);
    assert.deepEqual((await readdir(dir)).sort(), ['.0191.tar.xz.meta.json', '0191.tar.xz']);

    synced.length = 0;
    await storage.put('org/NETH-2/0192.tar.xz', bodyOf(randomBytes(10)), { ...PUT, expectedSize: 10, maxSize: 5000 });
    assert.deepEqual(synced.slice(2), [dir], 'an existing directory: only it');
  });

  it('leaves no temporary files behind after failed uploads', async () => {
    const storage = createFilesystemStorage(join(root, 'b'));
    const data = randomBytes(200_000);
    await assert.rejects(storage.put('org/NETH-1/x.bin', bodyOf(data), { ...PUT, expectedSize: 200_001, maxSize: 300_000 }), SizeMismatchError);
    const failing = Readable.from(
      (function* () {
        yield data;
        throw new Error('gone');
      })(),
      { objectMode: false },
    );
    await assert.rejects(storage.put('org/NETH-1/y.bin', failing, { ...PUT, expectedSize: 300_000, maxSize: 300_000 }), /gone/);
    assert.deepEqual(await readdir(join(root, 'b', 'org', 'NETH-1')), []);
  });

  it('reads an object through to the end even when it is deleted meanwhile', async () => {
    const storage = createFilesystemStorage(join(root, 'c'));
    const data = randomBytes(1_000_000);
    await storage.put('org/sys/z.bin', bodyOf(data), { ...PUT, expectedSize: data.length, maxSize: data.length });
    const object = await storage.get('org/sys/z.bin');
    assert.ok(object);
    await storage.delete('org/sys/z.bin');
    const chunks: Buffer[] = [];
    for await (const chunk of object.stream as AsyncIterable<Buffer>) chunks.push(chunk);
    assert.deepEqual(Buffer.concat(chunks), data);
  });

  it('treats a directory as no object', async () => {
    const storage = createFilesystemStorage(join(root, 'd'));
    await storage.put('org/sys/z.bin', bodyOf(Buffer.from('x')), { ...PUT, expectedSize: 1, maxSize: 1 });
    assert.equal(await storage.get('org/sys'), null);
    assert.equal(await storage.exists('org/sys'), false);
  });

  it('reports an unusable root as unhealthy and fails puts with StorageUnavailableError', async () => {
    const blocker = join(root, 'not-a-directory');
    await writeFile(blocker, 'x');
    const storage = createFilesystemStorage(join(blocker, 'backups'));
    assert.equal(await storage.healthy(), false);
    const body = new PassThrough();
    body.write('abc');
    await assert.rejects(storage.put('org/sys/a.bin', body, { ...PUT, expectedSize: 6, maxSize: 6 }), StorageUnavailableError);
    assert.equal(body.destroyed, false, 'the body is left to its owner');
    assert.equal(await storage.exists('org/sys/a.bin'), false);
    assert.deepEqual(await storage.usage('org/'), { bytes: 0, count: 0 });
  });

  it('creates its root on first use', async () => {
    const storage = createFilesystemStorage(join(root, 'e', 'deeper', 'backups'));
    assert.equal(await storage.healthy(), true);
    await mkdir(join(root, 'f'));
    const other = createFilesystemStorage(join(root, 'f', 'new'));
    await other.put('k', bodyOf(Buffer.from('v')), { ...PUT, expectedSize: 1, maxSize: 1 });
    assert.equal(await readFile(join(root, 'f', 'new', 'k'), 'utf8'), 'v');
  });
});
