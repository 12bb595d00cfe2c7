import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { s3ServerAvailable, startS3Server, type TestS3Server } from '../../../test/helpers/s3-server.ts';
import { startTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import { openTestDatabase, type TestDatabase } from '../../../test/helpers/test-databases.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('backups through the appliance API on an S3 bucket', { skip: s3ServerAvailable() ? false : 'no local S3 server' }, () => {
  let database: TestDatabase;
  let s3: TestS3Server;
  let t: TestMuster;

  before(async () => {
    s3 = await startS3Server();
    database = await openTestDatabase('pglite');
    t = await startTestMuster(database.db, {
      BACKUP_S3_BUCKET: s3.bucket,
      BACKUP_S3_REGION: s3.region,
      BACKUP_S3_ENDPOINT: s3.endpoint,
      BACKUP_S3_USE_PATH_STYLE: 'true',
      BACKUP_S3_ACCESS_KEY: s3.accessKeyId,
      BACKUP_S3_SECRET_KEY: s3.secretAccessKey,
    });
  });
  after(async () => {
    await t.close();
    await database.dispose();
    await s3.stop();
  });

  it('uploads, lists, downloads and deletes with the sha256 verified, keyed {org_id}/{system_key}/{id}', async () => {
    const system = await t.createRegisteredSystem();
    const blob = randomBytes(9 * 1024 * 1024 + 123);
    const uploaded = await t.muster.app.inject({
      method: 'POST',
      url: '/api/systems/backups',
      headers: { authorization: system.basic, 'content-type': 'application/octet-stream', 'x-filename': 'cluster.tar.gz' },
      payload: blob,
    });
    assert.equal(uploaded.statusCode, 201, uploaded.body);
    const data = uploaded.json().data;
    assert.equal(data.sha256, sha256(blob));
    assert.match(data.id, /\.tar\.gz$/);

    const head = await fetch(`${s3.endpoint}/${s3.bucket}/${system.organizationId}/${system.systemKey}/${data.id}`, { method: 'HEAD' });
    assert.equal(head.status, 200, 'the object is in the bucket under {org_id}/{system_key}/{id}');

    const download = await t.muster.app.inject({ method: 'GET', url: `/api/systems/backups/${data.id}`, headers: { authorization: system.basic } });
    assert.equal(download.statusCode, 200);
    assert.equal(sha256(download.rawPayload), sha256(blob));
    assert.equal(
      (await t.muster.app.inject({ method: 'DELETE', url: `/api/systems/backups/${data.id}`, headers: { authorization: system.basic } })).statusCode,
      200,
    );
    assert.equal(
      (await t.muster.app.inject({ method: 'GET', url: '/api/systems/backups', headers: { authorization: system.basic } })).json().data.backups.length,
      0,
    );
  });
});
