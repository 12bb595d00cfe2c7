import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { s3ServerAvailable, startS3Server, type TestS3Server } from '../../../../test/helpers/s3-server.ts';
import { assertValidKey, type BackupStorage, InvalidStorageKeyError, MeasuringStream, SizeMismatchError, TooLargeError } from './backup-storage.ts';
import { createFilesystemStorage } from './filesystem-storage.ts';
import { createS3Storage } from './s3-storage.ts';

const MiB = 1024 * 1024;
const PUT = { contentType: 'application/gzip', metadata: { filename: 'backup.tar.gz', 'uploader-ip': '192.0.2.10' } };

/** A body that yields `data` in chunks, or throws `failWith` once `failAfter` bytes have gone out. */
function bodyOf(data: Buffer, options: { chunkSize?: number; failAfter?: number; failWith?: Error } = {}): Readable {
  const chunkSize = options.chunkSize ?? 64 * 1024;
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += chunkSize) {
        if (options.failAfter !== undefined && offset >= options.failAfter) throw options.failWith ?? new Error('body failed');
        yield data.subarray(offset, offset + chunkSize);
      }
    })(),
    { objectMode: false },
  );
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function sha256Of(stream: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** Asserts that key holds nothing, through every read method of the interface. */
async function assertAbsent(storage: BackupStorage, key: string): Promise<void> {
  assert.equal(await storage.exists(key), false, `${key} exists`);
  assert.equal(await storage.get(key), null);
  const prefix = key.slice(0, key.lastIndexOf('/') + 1);
  assert.deepEqual(await storage.usage(prefix), { bytes: 0, count: 0 });
}

/**
 * The behaviour every BackupStorage must have. `open` returns a fresh, empty store; keys are
 * unique per test (a random organization) so tests do not depend on each other.
 */
function contract(open: () => BackupStorage, options: { skip?: string | false } = {}): void {
  let storage: BackupStorage;
  before(() => {
    if (!options.skip) storage = open();
  });
  const keyIn = (org: string, name = `${randomUUID()}.tar.gz`) => `${org}/NETH-0000-1111-2222-3333-4444-5555-6666-7777/${name}`;
  const test = (name: string, fn: () => Promise<void>) => it(name, { skip: options.skip ?? false }, fn);

  test('round-trips a multi-MiB random body with its size and sha256', async () => {
    const data = randomBytes(20 * MiB + 12_345);
    const key = keyIn(randomUUID());
    const stored = await storage.put(key, bodyOf(data), { ...PUT, expectedSize: data.length, maxSize: 64 * MiB });
    assert.deepEqual(stored, { size: data.length, sha256: sha256(data) });
    assert.equal(await storage.exists(key), true);
    const object = await storage.get(key);
    assert.ok(object);
    assert.equal(object.size, data.length);
    assert.deepEqual(await sha256Of(object.stream), { sha256: sha256(data), size: data.length });
  });

  test('round-trips a small body and an empty one', async () => {
    for (const data of [randomBytes(1000), Buffer.alloc(0)]) {
      const key = keyIn(randomUUID());
      const stored = await storage.put(key, bodyOf(data), { ...PUT, expectedSize: data.length, maxSize: MiB });
      assert.deepEqual(stored, { size: data.length, sha256: sha256(data) });
      const object = await storage.get(key);
      assert.ok(object);
      assert.deepEqual(await sha256Of(object.stream), { sha256: sha256(data), size: data.length });
    }
  });

  test('rejects a body shorter than expectedSize and leaves nothing', async () => {
    for (const length of [1000, 12 * MiB]) {
      const key = keyIn(randomUUID());
      const data = randomBytes(length);
      await assert.rejects(storage.put(key, bodyOf(data), { ...PUT, expectedSize: length + 1, maxSize: 64 * MiB }), (error: unknown) => {
        assert.ok(error instanceof SizeMismatchError, String(error));
        assert.equal(error.expectedSize, length + 1);
        assert.equal(error.receivedSize, length);
        return true;
      });
      await assertAbsent(storage, key);
    }
  });

  test('rejects a body longer than expectedSize and leaves nothing', async () => {
    for (const length of [1000, 12 * MiB]) {
      const key = keyIn(randomUUID());
      const data = randomBytes(length + 4 * MiB);
      await assert.rejects(storage.put(key, bodyOf(data), { ...PUT, expectedSize: length, maxSize: 64 * MiB }), SizeMismatchError);
      await assertAbsent(storage, key);
    }
  });

  test('rejects a body above maxSize with TooLargeError and leaves nothing', async () => {
    const key = keyIn(randomUUID());
    const data = randomBytes(10 * MiB);
    await assert.rejects(storage.put(key, bodyOf(data), { ...PUT, expectedSize: 9 * MiB, maxSize: 9 * MiB }), (error: unknown) => {
      assert.ok(error instanceof TooLargeError, String(error));
      assert.equal(error.maxSize, 9 * MiB);
      return true;
    });
    await assertAbsent(storage, key);
  });

  test('rejects an announced size above maxSize without reading the body', async () => {
    const key = keyIn(randomUUID());
    const body = bodyOf(randomBytes(2000));
    await assert.rejects(storage.put(key, body, { ...PUT, expectedSize: 2000, maxSize: 1999 }), TooLargeError);
    assert.equal(body.readableFlowing, null);
    assert.equal(body.readableLength, 0);
    await assertAbsent(storage, key);
  });

  test('rejects with the body’s own error when it fails half-way, and leaves nothing', async () => {
    for (const [length, failAfter] of [
      [100_000, 50_000],
      [24 * MiB, 12 * MiB],
    ] as const) {
      const key = keyIn(randomUUID());
      const failure = new Error('simulated disconnect');
      const body = bodyOf(randomBytes(length), { failAfter, failWith: failure });
      await assert.rejects(storage.put(key, body, { ...PUT, expectedSize: length, maxSize: 64 * MiB }), (error) => error === failure);
      await assertAbsent(storage, key);
    }
  });

  test('a client that disconnects mid-upload leaves nothing, and put rejects with the request’s error', async () => {
    const key = keyIn(randomUUID());
    const length = 16 * MiB;
    let settle!: (outcome: unknown) => void;
    const outcome = new Promise<unknown>((resolve) => (settle = resolve));
    const server = createServer((req: IncomingMessage, res) => {
      storage.put(key, req, { ...PUT, expectedSize: length, maxSize: 64 * MiB }).then(
        (stored) => {
          settle(stored);
          res.end();
        },
        (error: unknown) => {
          settle(error);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = request({ host: '127.0.0.1', port, method: 'PUT', headers: { 'content-length': String(length) } });
      client.on('error', () => {});
      await new Promise<void>((resolve) => client.write(randomBytes(9 * MiB), () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.destroy();
      const error = await outcome;
      assert.ok(error instanceof Error, `put resolved: ${JSON.stringify(error)}`);
      assert.ok(!(error instanceof SizeMismatchError || error instanceof TooLargeError), String(error));
      assert.notEqual(error.name, 'StorageUnavailableError');
      await assertAbsent(storage, key);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('get of a missing key is null and delete is idempotent', async () => {
    const key = keyIn(randomUUID());
    assert.equal(await storage.get(key), null);
    assert.equal(await storage.exists(key), false);
    await storage.delete(key);
    const data = randomBytes(5000);
    await storage.put(key, bodyOf(data), { ...PUT, expectedSize: data.length, maxSize: MiB });
    await storage.delete(key);
    await storage.delete(key);
    await assertAbsent(storage, key);
  });

  test('usage sums sizes and counts by string prefix', async () => {
    const org = randomUUID();
    const put = async (key: string, size: number) => {
      await storage.put(key, bodyOf(randomBytes(size)), { ...PUT, expectedSize: size, maxSize: MiB });
    };
    await put(`${org}/NETH-A/1.tar.gz`, 1000);
    await put(`${org}/NETH-A/2.tar.gz`, 2000);
    await put(`${org}/NETH-B/1.bin`, 4000);
    await put(`${org}0/NETH-A/1.bin`, 8000);
    assert.deepEqual(await storage.usage(`${org}/`), { bytes: 7000, count: 3 });
    assert.deepEqual(await storage.usage(`${org}/NETH-A/`), { bytes: 3000, count: 2 });
    assert.deepEqual(await storage.usage(`${org}/NETH-B/`), { bytes: 4000, count: 1 });
    assert.deepEqual(await storage.usage(`${org}/NETH-A/2`), { bytes: 2000, count: 1 });
    assert.deepEqual(await storage.usage(org), { bytes: 15000, count: 4 });
    assert.deepEqual(await storage.usage(`${randomUUID()}/`), { bytes: 0, count: 0 });
    await storage.delete(`${org}/NETH-A/1.tar.gz`);
    assert.deepEqual(await storage.usage(`${org}/`), { bytes: 6000, count: 2 });
  });

  test('rejects keys that are not safe relative paths, before reading the body', async () => {
    for (const key of ['../escape.bin', 'a/../../escape.bin', '/etc/passwd', 'a//b', 'a/./b', 'a/.hidden', 'a\\..\\b', 'a/b/', '', 'a b']) {
      const body = bodyOf(randomBytes(10));
      await assert.rejects(storage.put(key, body, { ...PUT, expectedSize: 10, maxSize: MiB }), InvalidStorageKeyError, key);
      assert.equal(body.readableFlowing, null);
      await assert.rejects(storage.get(key), InvalidStorageKeyError);
      await assert.rejects(storage.exists(key), InvalidStorageKeyError);
      await assert.rejects(storage.delete(key), InvalidStorageKeyError);
    }
    await assert.rejects(storage.usage('../'), InvalidStorageKeyError);
  });

  test('rejects metadata that S3 could not carry', async () => {
    const key = keyIn(randomUUID());
    for (const metadata of [{ 'File Name': 'x' }, { filename: 'bäckup' }, { filename: 'x'.repeat(3000) }] as Record<string, string>[]) {
      await assert.rejects(storage.put(key, bodyOf(Buffer.alloc(1)), { ...PUT, metadata, expectedSize: 1, maxSize: MiB }), TypeError);
    }
    await assertAbsent(storage, key);
  });

  test('is healthy', async () => {
    assert.equal(await storage.healthy(), true);
  });
}

describe('filesystem storage (contract)', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'muster-backups-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  contract(() => createFilesystemStorage(root));
});

describe('S3 storage against s3rver (contract)', async () => {
  let server: TestS3Server | undefined;
  let skip: string | false = false;
  if (!s3ServerAvailable()) skip = 's3rver is not installed';
  else {
    try {
      server = await startS3Server();
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      skip = `s3rver did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  after(() => server?.stop());
  contract(
    () =>
      createS3Storage({
        bucket: server!.bucket,
        region: server!.region,
        endpoint: server!.endpoint,
        forcePathStyle: true,
        accessKeyId: server!.accessKeyId,
        secretAccessKey: server!.secretAccessKey,
      }),
    { skip },
  );
});

describe('MeasuringStream', () => {
  it('counts, hashes and passes bytes through unchanged', async () => {
    const data = randomBytes(300_000);
    const measuring = new MeasuringStream({ expectedSize: data.length, maxSize: data.length });
    const passed = await sha256Of(bodyOf(data).pipe(measuring));
    assert.deepEqual(passed, { sha256: sha256(data), size: data.length });
    assert.deepEqual(measuring.result(), { size: data.length, sha256: sha256(data) });
  });

  it('has no result before the end', () => {
    assert.throws(() => new MeasuringStream({ expectedSize: 1, maxSize: 1 }).result(), /not finished/);
  });
});

describe('assertValidKey', () => {
  it('accepts the keys backups use', () => {
    assertValidKey('0190f5a2-7c1e-7b3a-9c4d-1234567890ab/NETH-ABCD-EF01-2345-6789-ABCD-EF01-2345-6789/0190f5a2-7c1e-7b3a-9c4d-1234567890ab.tar.gz');
    assertValidKey('a');
  });

  it('refuses overlong keys and segments', () => {
    assert.throws(() => assertValidKey('a'.repeat(256)), InvalidStorageKeyError);
    assert.throws(() => assertValidKey(Array.from({ length: 200 }, () => 'abcdefgh').join('/')), InvalidStorageKeyError);
  });
});
