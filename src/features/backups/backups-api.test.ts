import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { startTestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { eventually } from '../../../test/helpers/eventually.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

for (const kind of databaseKinds()) {
  describe(`backups on the filesystem store (${kind})`, () => {
    const { t } = useTestMuster(kind, {
      env: {
        BACKUP_MAX_UPLOAD_SIZE: '2MB',
        BACKUP_MAX_PER_SYSTEM: '3',
        BACKUP_MAX_SIZE_PER_SYSTEM: '1MB',
        BACKUP_RATE_LIMIT_PER_MINUTE: '5',
        BACKUP_RATE_LIMIT_PER_HOUR: '8',
      },
    });

    const upload = (basic: string, body: Buffer | Readable, headers: Record<string, string> = {}) =>
      t.muster.app.inject({
        method: 'POST',
        url: '/api/systems/backups',
        headers: { authorization: basic, 'content-type': 'application/octet-stream', 'x-filename': 'dump.json.gz.gpg', ...headers },
        payload: body,
      });
    const call = (basic: string, method: 'GET' | 'DELETE', url: string) => t.muster.app.inject({ method, url, headers: { authorization: basic } });
    const backupFiles = () => filesUnder(path.join(t.dataDir, 'backups'));

    it('round-trips a backup with its sha256, newest first, as the seed client does', async () => {
      const system = await t.createRegisteredSystem();
      const blob = randomBytes(300_000);
      const response = await upload(system.basic, blob);
      assert.equal(response.statusCode, 201, response.body);
      const answer = response.json();
      assert.equal(answer.code, 201);
      assert.equal(answer.message, 'backup stored');
      assert.match(answer.data.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.gpg$/);
      assert.deepEqual(
        [answer.data.filename, answer.data.size, answer.data.sha256, answer.data.mimetype],
        ['dump.json.gz.gpg', blob.length, sha256(blob), 'application/octet-stream'],
      );

      const second = (await upload(system.basic, randomBytes(10), { 'x-filename': '../../etc/pass wd.tar.zst' })).json().data;
      assert.equal(second.filename, 'pass_wd.tar.zst');
      assert.match(second.id, /\.tar\.zst$/);

      const listed = (await call(system.basic, 'GET', '/api/systems/backups')).json();
      assert.equal(listed.message, 'backups listed');
      assert.deepEqual(
        listed.data.backups.map((backup: { id: string }) => backup.id),
        [second.id, answer.data.id],
      );

      const download = await call(system.basic, 'GET', `/api/systems/backups/${answer.data.id}`);
      assert.equal(download.statusCode, 200);
      assert.equal(sha256(download.rawPayload), sha256(blob));
      assert.equal(download.headers['content-type'], 'application/octet-stream');
      assert.equal(download.headers['x-content-type-options'], 'nosniff');
      assert.equal(download.headers['content-disposition'], 'attachment; filename="dump.json.gz.gpg"');
      const stored = (await backupFiles()).filter((file) => file.includes(system.systemKey));
      assert.ok(
        stored.some((file) => file.endsWith(answer.data.id)),
        'stored under {org_id}/{system_key}/{id}',
      );
      assert.ok(stored.some((file) => file.includes(`${system.organizationId}/${system.systemKey}/`)));

      const removed = await call(system.basic, 'DELETE', `/api/systems/backups/${answer.data.id}`);
      assert.deepEqual(removed.json(), { code: 200, message: 'backup deleted', data: { id: answer.data.id } });
      assert.equal((await call(system.basic, 'GET', `/api/systems/backups/${answer.data.id}`)).statusCode, 404);
      await eventually(async () => !(await backupFiles()).some((file) => file.endsWith(answer.data.id)), 'the object to be purged');
    });

    it('refuses bad uploads with the documented answers and stores nothing', async () => {
      const system = await t.createRegisteredSystem();
      const chunked = await upload(system.basic, Readable.from([randomBytes(100)]));
      assert.equal(chunked.statusCode, 411);
      assert.equal(chunked.json().message, 'Content-Length required');
      const tooBig = await upload(system.basic, randomBytes(3 * 1024 * 1024));
      assert.equal(tooBig.statusCode, 413);
      assert.deepEqual(tooBig.json().data, { max_bytes: 2 * 1024 * 1024 });
      const short = await upload(system.basic, randomBytes(100), { 'content-length': '200' });
      assert.ok([400, 413].includes(short.statusCode) || short.statusCode >= 400, `a short body is refused (${short.statusCode})`);
      assert.equal((await call(system.basic, 'GET', '/api/systems/backups')).json().data.backups.length, 0);
      assert.equal((await backupFiles()).filter((file) => file.includes(system.systemKey)).length, 0);

      assert.deepEqual((await call(system.basic, 'GET', '/api/systems/backups/not-an-id')).json(), { code: 400, message: 'invalid backup id', data: null });
      assert.equal((await call(system.basic, 'GET', '/api/systems/backups/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b.gpg')).statusCode, 404);
      assert.equal((await t.muster.app.inject({ method: 'GET', url: '/api/systems/backups' })).statusCode, 401);
    });

    it('an upload cut off half-way leaves nothing behind', async () => {
      const system = await t.createRegisteredSystem();
      const address = await t.muster.app.listen({ host: '127.0.0.1', port: 0 });
      const url = new URL(address);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(url.port), '127.0.0.1', () => {
          socket.write(
            `POST /api/systems/backups HTTP/1.1\r\nHost: x\r\nAuthorization: ${system.basic}\r\nContent-Type: application/octet-stream\r\nContent-Length: 500000\r\nX-Filename: cut.gpg\r\n\r\n`,
          );
          socket.write(randomBytes(100_000), () => setTimeout(() => socket.destroy(), 100));
        });
        socket.on('close', () => resolve());
        socket.on('error', () => resolve());
      });
      await eventually(async () => (await backupFiles()).filter((file) => file.includes(system.systemKey)).length === 0, 'the partial object to be gone');
      assert.equal((await call(system.basic, 'GET', '/api/systems/backups')).json().data.backups.length, 0);
    });

    it('keeps at most BACKUP_MAX_PER_SYSTEM and BACKUP_MAX_SIZE_PER_SYSTEM, oldest removed first', async () => {
      const system = await t.createRegisteredSystem();
      const ids: string[] = [];
      for (let index = 0; index < 5; index++) {
        ids.push((await upload(system.basic, randomBytes(1000), { 'x-filename': `n${index}.bin` })).json().data.id);
        t.clock.advance(1000);
      }
      const kept = (await call(system.basic, 'GET', '/api/systems/backups')).json().data.backups.map((backup: { id: string }) => backup.id);
      assert.deepEqual(kept, ids.slice(2).reverse(), 'by count');

      const other = await t.createRegisteredSystem();
      const big: string[] = [];
      for (let index = 0; index < 3; index++) {
        big.push((await upload(other.basic, randomBytes(400 * 1024))).json().data.id);
        t.clock.advance(1000);
      }
      const keptBySize = (await call(other.basic, 'GET', '/api/systems/backups')).json().data.backups.map((backup: { id: string }) => backup.id);
      assert.deepEqual(keptBySize, big.slice(1).reverse(), 'by size: 3 × 400 KiB exceed 1 MiB');
      await eventually(async () => !(await backupFiles()).some((file) => file.endsWith(big[0]!)), 'the oldest object to be purged');
    });

    it('limits uploads per minute (429 with Retry-After) and keeps systems apart', async () => {
      const system = await t.createRegisteredSystem();
      const other = await t.createRegisteredSystem();
      const statuses = [];
      for (let index = 0; index < 6; index++) statuses.push((await upload(system.basic, randomBytes(10))).statusCode);
      assert.deepEqual(statuses, [201, 201, 201, 201, 201, 429]);
      const limited = await upload(system.basic, randomBytes(10));
      assert.equal(limited.json().message, 'upload rate limit exceeded');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.ok(limited.json().data.retry_after_seconds > 0);

      const mine = (await call(system.basic, 'GET', '/api/systems/backups')).json().data.backups[0].id as string;
      assert.equal((await call(other.basic, 'GET', `/api/systems/backups/${mine}`)).statusCode, 404);
      assert.equal((await call(other.basic, 'DELETE', `/api/systems/backups/${mine}`)).statusCode, 404);
      assert.equal((await upload(other.basic, randomBytes(10))).statusCode, 201, 'the limit is per system');

      t.clock.advance(61_000);
      const later = [];
      for (let index = 0; index < 4; index++) later.push((await upload(system.basic, randomBytes(10))).statusCode);
      assert.deepEqual(later, [201, 201, 201, 429], 'the hourly limit (8) counts the first minute too');
    });

    it("lets operators list, download and delete any system's backups, and see usage", async () => {
      const name = `usage-${Math.random().toString(36).slice(2, 8)}`;
      const system = await t.createRegisteredSystem({ name });
      const blob = randomBytes(5000);
      const id = (await upload(system.basic, blob)).json().data.id as string;
      const listed = (await t.admin.get(`/api/v1/systems/${system.id}/backups`)).json();
      assert.deepEqual([listed.total, listed.total_bytes, listed.items[0].id], [1, 5000, id]);
      const download = await t.admin.get(`/api/v1/systems/${system.id}/backups/${id}`);
      assert.equal(sha256(download.rawPayload), sha256(blob));
      const usage = (await t.admin.get(`/api/v1/backups/usage?organization_id=${system.organizationId}`)).json();
      const mine = usage.systems.find((entry: { system_id: string }) => entry.system_id === system.id);
      assert.deepEqual(mine, { system_id: system.id, system_name: name, organization_id: system.organizationId, bytes: 5000, count: 1 });
      assert.deepEqual(usage.limits, { organization_quota_bytes: 100 * 1024 ** 3, system_max_bytes: 1024 ** 2, system_max_backups: 3 }, 'BACKUP_MAX_* as set');
      assert.equal((await t.admin.delete(`/api/v1/systems/${system.id}/backups/${id}`)).statusCode, 204);

      // Destroying a system removes all its backups.
      const gone = (await upload(system.basic, randomBytes(100))).json().data.id as string;
      await t.admin.delete(`/api/v1/systems/${system.id}`);
      assert.equal((await t.admin.post(`/api/v1/systems/${system.id}/destroy`)).statusCode, 204);
      await eventually(async () => !(await backupFiles()).some((file) => file.endsWith(gone)), "the destroyed system's objects to be purged");
    });
  });
}

describe('backup quotas, unavailable storage and organizations', () => {
  const { database, t } = useTestMuster('pglite', { env: { BACKUP_MAX_SIZE_PER_ORG: '3kb' } });

  const upload = (basic: string, size: number) =>
    t.muster.app.inject({
      method: 'POST',
      url: '/api/systems/backups',
      headers: { authorization: basic, 'content-type': 'application/octet-stream' },
      payload: randomBytes(size),
    });

  it('refuses an upload over the organization quota with 413, per organization', async () => {
    const organization = (await t.admin.post('/api/v1/organizations', { name: 'quota-a' })).json();
    const other = (await t.admin.post('/api/v1/organizations', { name: 'quota-b' })).json();
    const first = await t.createRegisteredSystem({ organization_id: organization.id });
    const second = await t.createRegisteredSystem({ organization_id: organization.id });
    const elsewhere = await t.createRegisteredSystem({ organization_id: other.id });
    assert.equal((await upload(first.basic, 2000)).statusCode, 201);
    const refused = await upload(second.basic, 2000);
    assert.equal(refused.statusCode, 413);
    assert.equal(refused.json().message, 'organization backup quota exceeded');
    assert.equal((await upload(elsewhere.basic, 2000)).statusCode, 201, "another organization's quota is its own");
    const usage = (await t.admin.get(`/api/v1/backups/usage?organization_id=${organization.id}`)).json();
    assert.deepEqual(usage.organizations, [{ organization_id: organization.id, bytes: 2000, count: 1 }]);
    assert.equal(usage.limits.organization_quota_bytes, 3 * 1024, 'the quota the refused upload counted against');
    const mine = (await t.muster.app.inject({ method: 'GET', url: '/api/systems/backups', headers: { authorization: first.basic } })).json().data.backups[0]
      .id as string;
    assert.equal(
      (await t.muster.app.inject({ method: 'GET', url: `/api/systems/backups/${mine}`, headers: { authorization: elsewhere.basic } })).statusCode,
      404,
    );
  });

  it('reports no organization quota when BACKUP_MAX_SIZE_PER_ORG is 0', async () => {
    const unlimited = await startTestMuster(await database.openAnother(), { BACKUP_MAX_SIZE_PER_ORG: '0' });
    try {
      const usage = (await unlimited.admin.get('/api/v1/backups/usage')).json();
      assert.equal(usage.limits.organization_quota_bytes, null);
    } finally {
      await unlimited.close();
    }
  });

  it('answers 503 when the backup store cannot be written, keeping nothing', async () => {
    const { writeFile } = await import('node:fs/promises');
    const broken = await startTestMuster(await database.openAnother(), {}, undefined);
    try {
      // The store's directory is a plain file: nothing can be written under it.
      await writeFile(path.join(broken.dataDir, 'backups'), 'not a directory');
      const system = await broken.createRegisteredSystem();
      const response = await broken.muster.app.inject({
        method: 'POST',
        url: '/api/systems/backups',
        headers: { authorization: system.basic, 'content-type': 'application/octet-stream' },
        payload: randomBytes(100),
      });
      assert.equal(response.statusCode, 503);
      assert.equal(response.json().message, 'backup storage unavailable');
      assert.ok(Number(response.headers['retry-after']) > 0);
      assert.equal(
        (await broken.muster.app.inject({ method: 'GET', url: '/api/systems/backups', headers: { authorization: system.basic } })).json().data.backups.length,
        0,
      );
    } finally {
      await broken.close();
    }
  });
});
