import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { openBackupStorage } from './open-backup-storage.ts';

describe('openBackupStorage', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'muster-open-storage-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps backups under DATA_DIR/backups when no bucket is configured', async () => {
    for (const s3 of [undefined, { bucket: '', region: 'us-east-1' }]) {
      const storage = await openBackupStorage({ dataDir, s3 });
      assert.equal(storage.kind, 'filesystem');
      await storage.put('org/sys/a.bin', Readable.from([Buffer.from('abc')], { objectMode: false }), {
        expectedSize: 3,
        maxSize: 3,
        contentType: 'application/octet-stream',
        metadata: {},
      });
      assert.equal(await readFile(join(dataDir, 'backups', 'org', 'sys', 'a.bin'), 'utf8'), 'abc');
    }
  });

  it('uses S3 when a bucket is configured', async () => {
    const storage = await openBackupStorage({ dataDir, s3: { bucket: 'muster-backups', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9' } });
    assert.equal(storage.kind, 's3');
  });
});
