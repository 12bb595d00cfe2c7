import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { alertmanagerAvailable, startAlertmanager } from '../../../test/helpers/alertmanager.ts';
import { expectedSignature, startWebhookReceiver, type WebhookReceiver } from '../../../test/helpers/webhook-receiver.ts';
import { startTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds, useTestDatabase } from '../../../test/helpers/test-databases.ts';
import { eventually } from '../../../test/helpers/eventually.ts';

const MINUTE = 60_000;

const amAvailable = alertmanagerAvailable();

for (const kind of databaseKinds()) {
  describe(`alert delivery: webhooks and a real Alertmanager (${kind})`, { skip: amAvailable ? false : 'prometheus-alertmanager is not installed' }, () => {
    let t: TestMuster;
    let alertmanager: Awaited<ReturnType<typeof startAlertmanager>>;
    let receiver: WebhookReceiver;
    const database = useTestDatabase(kind, async () => {
      await t.close();
      await receiver.close();
      await alertmanager.stop();
    });

    before(async () => {
      alertmanager = await startAlertmanager();
      receiver = await startWebhookReceiver();
      // Alertmanager judges alerts by its own clock: start Muster's eleven minutes in the past, so
      // that after the timeout below it is about now.
      t = await startTestMuster(
        database.db,
        { ROLES: 'api,worker', ALERTMANAGER_URL: alertmanager.url, ALERTMANAGER_SYNC_INTERVAL_SECONDS: '60' },
        new ManualClock(new Date(Date.now() - 11 * MINUTE)),
      );
    });

    const amAlerts = async (filter: string) => {
      const response = await fetch(`${alertmanager.url}/api/v2/alerts?filter=${encodeURIComponent(filter)}`);
      return (await response.json()) as { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string }[];
    };

    it('manages webhooks: the secret once, a signed test delivery, removal', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}` })).json();
      const created = await t.admin.post(`/api/v1/organizations/${organization.id}/webhooks`, { url: receiver.url });
      assert.equal(created.statusCode, 201);
      const webhook = created.json();
      assert.ok(webhook.secret.length >= 24);
      const listed = (await t.admin.get(`/api/v1/organizations/${organization.id}/webhooks`)).json();
      assert.deepEqual(
        listed.items.map((item: { id: string; secret?: string }) => [item.id, item.secret]),
        [[webhook.id, undefined]],
      );

      const before = receiver.received.length;
      const tested = (await t.admin.post(`/api/v1/organizations/${organization.id}/webhooks/${webhook.id}/test`)).json();
      assert.deepEqual(tested, { delivered: true, status: 204, error: null });
      const delivery = receiver.received[before]!;
      assert.equal(JSON.parse(delivery.body).event, 'test');
      assert.equal(delivery.signature, expectedSignature(delivery.body, webhook.secret));

      assert.equal((await t.admin.post(`/api/v1/organizations/${organization.id}/webhooks`, { url: 'ftp://x' })).statusCode, 400);
      assert.equal((await t.admin.delete(`/api/v1/organizations/${organization.id}/webhooks/${webhook.id}`)).statusCode, 204);
      assert.equal((await t.admin.delete(`/api/v1/organizations/${organization.id}/webhooks/${webhook.id}`)).statusCode, 404);
    });

    it('delivers LinkFailed to the webhook and to Alertmanager, re-syncs it, and resolves it on recovery', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}` })).json();
      const webhook = (await t.admin.post(`/api/v1/organizations/${organization.id}/webhooks`, { url: receiver.url })).json();
      const system = await t.createRegisteredSystem({ organization_id: organization.id, name: 'edge-7' });
      const quiet = await t.createRegisteredSystem({ organization_id: organization.id, name: 'quiet' });
      await t.heartbeat(system.basic);
      await t.heartbeat(quiet.basic);
      await t.admin.post(`/api/v1/systems/${quiet.id}/suspend`);
      t.clock.advance(11 * MINUTE);
      await t.muster.scanner.runOnce();
      await t.muster.alerts.processLivenessEvents();

      const firing = await eventually(() => {
        const found = receiver.received
          .map((entry) => ({ ...entry, json: JSON.parse(entry.body) as { event: string; alert: { name: string; labels: Record<string, string> } } }))
          .find((entry) => entry.json.event === 'alert.firing' && entry.json.alert.name === 'LinkFailed' && entry.json.alert.labels.system_id === system.id);
        return found;
      }, 'the webhook delivery');
      assert.equal(firing.signature, expectedSignature(firing.body, webhook.secret));
      assert.equal(firing.json.alert.labels.system_name, 'edge-7');

      const inAlertmanager = await eventually(async () => (await amAlerts(`system_key="${system.systemKey}"`))[0], 'the alert in Alertmanager');
      assert.equal(inAlertmanager.labels.alertname, 'LinkFailed');
      assert.equal(inAlertmanager.labels.severity, 'critical');
      assert.equal(inAlertmanager.labels.organization_id, organization.id);
      assert.equal(Date.parse(inAlertmanager.startsAt) <= Date.now(), true, 'starts at last heartbeat + timeout');
      assert.ok(Date.parse(inAlertmanager.endsAt) > Date.now() + 60_000, 'ends two sync intervals ahead');
      assert.deepEqual(await amAlerts(`system_key="${quiet.systemKey}"`), [], 'suspended systems raise nothing');

      assert.equal(await t.muster.deliveries.syncLivenessAlerts(), 1, 'the sync re-posts only the watched system');

      await t.heartbeat(system.basic);
      await t.muster.alerts.processLivenessEvents();
      await eventually(
        async () => ((await amAlerts(`system_key="${system.systemKey}"`)).length === 0 ? true : undefined),
        'the alert to be resolved in Alertmanager',
      );
      await eventually(
        () => (receiver.received.some((entry) => entry.body.includes('"alert.resolved"') && entry.body.includes(system.id)) ? true : undefined),
        'the resolution at the webhook',
      );
    });
  });
}
