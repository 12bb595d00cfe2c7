import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { captureLogs } from '../../../test/helpers/log-capture.ts';
import { adminHeaders, startTestMuster, type TestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { expectedSignature, startWebhookReceiver, type WebhookReceiver } from '../../../test/helpers/webhook-receiver.ts';

const KEY = randomBytes(32).toString('base64');

for (const kind of databaseKinds()) {
  describe(`webhook signing secrets at rest (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { SECRETS_KEY: KEY } });
    let receiver: WebhookReceiver;

    before(async () => {
      receiver = await startWebhookReceiver();
    });
    after(async () => {
      await receiver.close();
    });

    const api = (muster: TestMuster, method: 'GET' | 'POST', url: string, payload?: object) =>
      muster.muster.app.inject({ method, url: `/api/v1${url}`, headers: adminHeaders, ...(payload ? { payload } : {}) });
    const storedRow = async (id: string) =>
      (await database.db.query<{ secret: string | null; secret_encrypted: string | null }>('SELECT secret, secret_encrypted FROM webhooks WHERE id = $1', [id]))
        .rows[0]!;
    const organizationWithWebhook = async (muster: TestMuster) => {
      const organization = (await api(muster, 'POST', '/organizations', { name: `webhooks-${randomBytes(4).toString('hex')}` })).json<{ id: string }>();
      const created = await api(muster, 'POST', `/organizations/${organization.id}/webhooks`, { url: receiver.url });
      assert.equal(created.statusCode, 201, created.body);
      return { organizationId: organization.id, webhook: created.json<{ id: string; secret: string }>() };
    };

    it('stores no clear secret, and deliveries still carry a valid X-Muster-Signature', async () => {
      const { organizationId, webhook } = await organizationWithWebhook(t);
      const row = await storedRow(webhook.id);
      assert.equal(row.secret, null, 'the clear column stays empty');
      assert.ok(row.secret_encrypted);
      for (const form of [webhook.secret, Buffer.from(webhook.secret, 'base64url').toString('hex'), Buffer.from(webhook.secret).toString('base64')]) {
        assert.equal(row.secret_encrypted.includes(form), false);
      }

      const before = receiver.received.length;
      const tested = (await api(t, 'POST', `/organizations/${organizationId}/webhooks/${webhook.id}/test`)).json();
      assert.deepEqual(tested, { delivered: true, status: 204, error: null });
      // A registration raises an alert whose delivery is a job of its own.
      await t.createRegisteredSystem({ organization_id: organizationId });
      const [test, registered] = (await receiver.waitFor(before + 2)).slice(before);
      for (const delivery of [test!, registered!]) assert.equal(delivery.signature, expectedSignature(delivery.body, webhook.secret));
      assert.equal(JSON.parse(registered!.body).alert.name, 'SystemRegistered');
    });

    it('encrypts secrets stored in clear before, at start, and signs with them as before', async () => {
      const { organizationId, webhook } = await organizationWithWebhook(t);
      const legacySecret = 'legacy-clear-secret-0123456789';
      await database.db.query('UPDATE webhooks SET secret = $2, secret_encrypted = NULL WHERE id = $1', [webhook.id, legacySecret]);
      const restarted = await startTestMuster(await database.openAnother(), { SECRETS_KEY: KEY });
      try {
        const row = await storedRow(webhook.id);
        assert.equal(row.secret, null);
        assert.equal(row.secret_encrypted?.includes(legacySecret), false);
        const before = receiver.received.length;
        assert.equal((await api(restarted, 'POST', `/organizations/${organizationId}/webhooks/${webhook.id}/test`)).json().delivered, true);
        const [delivery] = (await receiver.waitFor(before + 1)).slice(before);
        assert.equal(delivery!.signature, expectedSignature(delivery!.body, legacySecret));
      } finally {
        await restarted.close();
      }
    });

    it('with another key, says so at start and fails deliveries clearly, sending nothing', async () => {
      const { organizationId, webhook } = await organizationWithWebhook(t);
      const { logger, lines } = captureLogs('info');
      const other = await startTestMuster(await database.openAnother(), { SECRETS_KEY: randomBytes(32).toString('hex') }, undefined, logger);
      try {
        const errors = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level >= 50);
        assert.ok(
          errors.some((line) => /encrypted with another SECRETS_KEY/.test(line.msg)),
          lines.join(''),
        );
        const before = receiver.received.length;
        const tested = (await api(other, 'POST', `/organizations/${organizationId}/webhooks/${webhook.id}/test`)).json();
        assert.equal(tested.delivered, false);
        assert.match(
          tested.error,
          new RegExp(`webhook ${webhook.id}: its signing secret was encrypted with another SECRETS_KEY \\(key id [0-9a-f]{8}; this node's is [0-9a-f]{8}\\)`),
        );
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.equal(receiver.received.length, before, 'nothing was sent unsigned or badly signed');
      } finally {
        await other.close();
      }
    });
  });
}
