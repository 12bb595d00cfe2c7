import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { s3ServerAvailable, startS3Server, type TestS3Server } from '../../../../test/helpers/s3-server.ts';
import { StorageUnavailableError } from './backup-storage.ts';
import { createS3Storage, type S3StorageOptions } from './s3-storage.ts';

const MiB = 1024 * 1024;
const PUT = { contentType: 'application/x-tar', metadata: { filename: 'etc.tar.gz', 'uploader-ip': '198.51.100.7' } };
const bodyOf = (data: Buffer) => Readable.from([data], { objectMode: false });

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let skip: string | false = false;
if (!s3ServerAvailable()) skip = 's3rver is not installed';

async function start(): Promise<TestS3Server> {
  return startS3Server();
}

function optionsFor(server: TestS3Server, extra: Partial<S3StorageOptions> = {}): S3StorageOptions {
  return {
    bucket: server.bucket,
    region: server.region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    accessKeyId: server.accessKeyId,
    secretAccessKey: server.secretAccessKey,
    ...extra,
  };
}

describe('S3 storage', { skip }, async () => {
  let server: TestS3Server | undefined;
  if (!skip) {
    try {
      server = await start();
    } catch (error) {
      if (process.env.CI === 'true') throw error;
      skip = `s3rver did not start: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  after(() => server?.stop());

  it('stores sha256, filename and uploader-ip as x-amz-meta-*, with the content type', { skip }, async () => {
    const storage = createS3Storage(optionsFor(server!));
    const data = randomBytes(10 * MiB);
    const stored = await storage.put('org/NETH-9/0190.tar.gz', bodyOf(data), { ...PUT, expectedSize: data.length, maxSize: 16 * MiB });
    const client = new S3Client({
      region: server!.region,
      endpoint: server!.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: server!.accessKeyId, secretAccessKey: server!.secretAccessKey },
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: server!.bucket, Key: 'org/NETH-9/0190.tar.gz' }));
    assert.equal(head.ContentLength, data.length);
    assert.equal(head.ContentType, 'application/x-tar');
    assert.deepEqual(head.Metadata, {
      sha256: createHash('sha256').update(data).digest('hex'),
      filename: 'etc.tar.gz',
      'uploader-ip': '198.51.100.7',
    });
    assert.equal(stored.sha256, head.Metadata.sha256);
    client.destroy();
  });

  it('puts every key under the configured prefix', { skip }, async () => {
    const prefixed = createS3Storage(optionsFor(server!, { prefix: '/tenant-a/backups/' }));
    const plain = createS3Storage(optionsFor(server!));
    await prefixed.put('org/sys/a.bin', bodyOf(Buffer.from('hello')), { ...PUT, expectedSize: 5, maxSize: 5 });
    assert.equal(await prefixed.exists('org/sys/a.bin'), true);
    assert.equal(await plain.exists('tenant-a/backups/org/sys/a.bin'), true);
    assert.equal(await plain.exists('org/sys/a.bin'), false);
    assert.deepEqual(await prefixed.usage('org/'), { bytes: 5, count: 1 });
    assert.deepEqual(await plain.usage('tenant-a/'), { bytes: 5, count: 1 });
    await prefixed.delete('org/sys/a.bin');
    assert.equal(await plain.exists('tenant-a/backups/org/sys/a.bin'), false);
  });

  it('is unhealthy when the bucket is missing', { skip }, async () => {
    const storage = createS3Storage(optionsFor(server!, { bucket: 'no-such-bucket' }));
    assert.equal(await storage.healthy(), false);
    await assert.rejects(storage.get('org/sys/a.bin'), StorageUnavailableError);
    await assert.rejects(storage.usage('org/'), StorageUnavailableError);
  });

  it('fails with StorageUnavailableError when the server dies mid-upload, without destroying the body', { skip }, async () => {
    const dying = await start();
    try {
      const storage = createS3Storage(optionsFor(dying));
      const total = 100 * MiB;
      let sent = 0;
      const chunk = randomBytes(MiB);
      const body = Readable.from(
        (async function* () {
          while (sent < total) {
            if (sent === 10 * MiB) await dying.stop();
            sent += chunk.length;
            yield chunk;
          }
        })(),
        { objectMode: false },
      );
      await assert.rejects(storage.put('org/sys/big.bin', body, { ...PUT, expectedSize: total, maxSize: total }), StorageUnavailableError);
      assert.ok(sent < total, `the whole body was read (${sent} bytes)`);
      assert.equal(body.destroyed, false);
    } finally {
      await dying.stop();
    }
  });
});

describe('S3 storage without a server', () => {
  it('is unhealthy and fails every call with StorageUnavailableError', async () => {
    const storage = createS3Storage({
      bucket: 'b',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${await closedPort()}`,
      forcePathStyle: true,
      accessKeyId: 'x',
      secretAccessKey: 'y',
    });
    assert.equal(storage.kind, 's3');
    assert.equal(await storage.healthy(), false);
    await assert.rejects(storage.get('a/b'), StorageUnavailableError);
    await assert.rejects(storage.exists('a/b'), StorageUnavailableError);
    await assert.rejects(storage.delete('a/b'), StorageUnavailableError);
    await assert.rejects(storage.usage('a/'), StorageUnavailableError);
    await assert.rejects(storage.put('a/b', bodyOf(randomBytes(1000)), { ...PUT, expectedSize: 1000, maxSize: 1000 }), StorageUnavailableError);
    // A body still open when the multipart upload cannot start: put fails without waiting for its end.
    const body = new PassThrough();
    body.write(randomBytes(12 * MiB));
    await assert.rejects(storage.put('a/b', body, { ...PUT, expectedSize: 20 * MiB, maxSize: 20 * MiB }), StorageUnavailableError);
    assert.equal(body.destroyed, false, 'the body is left to its owner');
  });

  it('requires both credentials or neither', () => {
    assert.throws(() => createS3Storage({ bucket: 'b', region: 'r', accessKeyId: 'x' }), TypeError);
  });
});
