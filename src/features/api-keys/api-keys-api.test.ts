import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { ForbiddenError, UnauthorizedError } from '../../errors/errors.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { startTestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

for (const kind of databaseKinds()) {
  describe(`organization API keys (${kind})`, () => {
    const { database, t } = useTestMuster(kind);

    async function newOrganization() {
      const response = await t.admin.post('/api/v1/organizations', { name: `org-${Math.random().toString(36).slice(2)}` });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string }>().id;
    }

    async function newKey(organizationId: string, scopes: string[] = ['heartbeat-daemon', 'systems:read']) {
      const response = await t.admin.post(`/api/v1/organizations/${organizationId}/api-keys`, { name: 'backup daemon', scopes });
      assert.equal(response.statusCode, 201, response.body);
      return response.json<{ id: string; name: string; scopes: string[]; prefix: string; created_at: string; last_used_at: string | null; key: string }>();
    }

    async function storedRow(keyId: string) {
      const { rows } = await database.db.query<Record<string, unknown>>('SELECT * FROM organization_api_keys WHERE id = $1', [keyId]);
      return rows[0]!;
    }

    async function refused(promise: Promise<unknown>, type: typeof UnauthorizedError | typeof ForbiddenError) {
      await assert.rejects(promise, (error: unknown) => {
        assert.ok(error instanceof type, String(error));
        return true;
      });
    }

    it('creates a key shown once, lists it without the key, and stores only its hash', async () => {
      const organizationId = await newOrganization();
      const created = await newKey(organizationId, ['systems:read', 'heartbeat-daemon', 'systems:read']);
      assert.deepEqual(Object.keys(created).sort(), ['created_at', 'id', 'key', 'last_used_at', 'name', 'prefix', 'scopes']);
      assert.match(created.key, /^mak_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      assert.ok(created.key.startsWith(`${created.prefix}_`));
      assert.deepEqual(created.scopes, ['systems:read', 'heartbeat-daemon']);
      assert.equal(created.last_used_at, null);

      const list = await t.admin.get(`/api/v1/organizations/${organizationId}/api-keys`);
      assert.equal(list.statusCode, 200);
      const page = list.json();
      assert.equal(page.total, 1);
      assert.deepEqual(page.items, [
        { id: created.id, name: 'backup daemon', scopes: created.scopes, prefix: created.prefix, created_at: created.created_at, last_used_at: null },
      ]);
      assert.ok(!list.body.includes(created.key.slice(created.prefix.length + 1)));

      const row = await storedRow(created.id);
      const secret = created.key.slice(created.prefix.length + 1);
      for (const value of Object.values(row)) assert.ok(!String(value).includes(secret), 'the secret is not stored');
      assert.match(String(row.key_hash), /^[0-9a-f]{64}$/);
    });

    it('refuses unknown organizations and keys, unknown and empty scopes', async () => {
      const organizationId = await newOrganization();
      assert.equal((await t.admin.post(`/api/v1/organizations/${UNKNOWN_ID}/api-keys`, { name: 'k', scopes: ['systems:read'] })).statusCode, 404);
      assert.equal((await t.admin.get(`/api/v1/organizations/${UNKNOWN_ID}/api-keys`)).statusCode, 404);
      assert.equal((await t.admin.delete(`/api/v1/organizations/${UNKNOWN_ID}/api-keys/${UNKNOWN_ID}`)).statusCode, 404);
      assert.equal((await t.admin.delete(`/api/v1/organizations/${organizationId}/api-keys/${UNKNOWN_ID}`)).statusCode, 404);
      for (const body of [{ name: 'k', scopes: [] }, { name: 'k', scopes: ['root'] }, { name: ' ', scopes: ['systems:read'] }, { scopes: ['systems:read'] }]) {
        const response = await t.admin.post(`/api/v1/organizations/${organizationId}/api-keys`, body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
        assert.equal(response.json().code, 400);
      }
      // Another organization's key is not found through this one.
      const other = await newKey(await newOrganization());
      assert.equal((await t.admin.delete(`/api/v1/organizations/${organizationId}/api-keys/${other.id}`)).statusCode, 404);
      assert.equal((await t.admin.get(`/api/v1/organizations/${organizationId}/api-keys`)).json().total, 0);
    });

    it('authenticates a valid key with its scope, and refuses wrong secrets, unknown prefixes and missing scopes', async () => {
      const organizationId = await newOrganization();
      const created = await newKey(organizationId);
      const expected = { keyId: created.id, organizationId, scopes: ['heartbeat-daemon', 'systems:read'] };
      assert.deepEqual({ ...(await t.muster.apiKeys.authenticate(`Bearer ${created.key}`, 'systems:read')) }, expected);
      assert.deepEqual({ ...(await t.muster.apiKeys.authenticate(created.key, 'heartbeat-daemon')) }, expected);

      const last = created.key.at(-1) === 'A' ? 'B' : 'A';
      await refused(t.muster.apiKeys.authenticate(`Bearer ${created.key.slice(0, -1)}${last}`, 'systems:read'), UnauthorizedError);
      await refused(t.muster.apiKeys.authenticate(`Bearer mak_zzzzzzzz_${created.key.slice(-43)}`, 'systems:read'), UnauthorizedError);
      await refused(t.muster.apiKeys.authenticate('Bearer not-a-key', 'systems:read'), UnauthorizedError);
      await refused(t.muster.apiKeys.authenticate(`Basic ${created.key}`, 'systems:read'), UnauthorizedError);
      await assert.rejects(t.muster.apiKeys.authenticate(undefined, 'systems:read'), (error: UnauthorizedError) => {
        assert.equal(error.statusCode, 401);
        assert.match(String(error.challenge), /^Bearer /);
        return true;
      });
      await assert.rejects(
        t.muster.apiKeys.authenticate(created.key, 'monitoring:write'),
        (error: ForbiddenError) => error instanceof ForbiddenError && error.statusCode === 403,
      );
    });

    it('refuses a revoked key at once, on this node and on a second node on the same database', async () => {
      const other = await database.openAnother();
      const second = await startTestMuster(other, {}, new ManualClock(t.clock.now()));
      try {
        const organizationId = await newOrganization();
        const created = await newKey(organizationId);
        await t.muster.apiKeys.authenticate(created.key, 'systems:read');
        await second.muster.apiKeys.authenticate(created.key, 'systems:read');

        assert.equal((await t.admin.delete(`/api/v1/organizations/${organizationId}/api-keys/${created.id}`)).statusCode, 204);
        await refused(t.muster.apiKeys.authenticate(created.key, 'systems:read'), UnauthorizedError);
        await eventually(
          () =>
            second.muster.apiKeys.authenticate(created.key, 'systems:read').then(
              () => false,
              (error: unknown) => error instanceof UnauthorizedError,
            ),
          'the second node to refuse the revoked key',
          2_000,
        );
        assert.equal((await t.admin.get(`/api/v1/organizations/${organizationId}/api-keys`)).json().total, 0);
        assert.equal((await t.admin.delete(`/api/v1/organizations/${organizationId}/api-keys/${created.id}`)).statusCode, 404);
      } finally {
        await second.close();
      }
    });

    it('records last_used_at at most once a minute', async () => {
      const organizationId = await newOrganization();
      const created = await newKey(organizationId);
      const lastUsed = async () => (await storedRow(created.id)).last_used_at as Date | null;

      const first = t.clock.now();
      await t.muster.apiKeys.authenticate(created.key, 'systems:read');
      await eventually(async () => (await lastUsed())?.getTime() === first.getTime(), 'last_used_at written');

      t.clock.advance(30_000);
      await t.muster.apiKeys.authenticate(created.key, 'systems:read');
      await sleep(200);
      assert.equal((await lastUsed())?.getTime(), first.getTime(), 'not written again within the minute');
      t.clock.advance(31_000);
      const later = t.clock.now();
      await t.muster.apiKeys.authenticate(created.key, 'systems:read');
      await eventually(async () => (await lastUsed())?.getTime() === later.getTime(), 'last_used_at written again after a minute');
      const listed = (await t.admin.get(`/api/v1/organizations/${organizationId}/api-keys`)).json().items[0];
      assert.equal(listed.last_used_at, later.toISOString());
    });
  });
}
