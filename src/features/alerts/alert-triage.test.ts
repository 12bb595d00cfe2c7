import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { alertmanagerAvailable, startAlertmanager } from '../../../test/helpers/alertmanager.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { databaseKinds, useTestDatabase } from '../../../test/helpers/test-databases.ts';
import { startTestMuster, useTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../test/helpers/webhook-receiver.ts';

const MINUTE = 60_000;

type Alert = {
  id: string;
  name: string;
  status: string;
  system_id: string;
  acknowledgement: { at: string; by: string; comment: string } | null;
  silence: { id: string; starts_at: string; ends_at: string; by: string; comment: string; alertmanager_silence_id: string | null } | null;
};

/** Two systems of a new organization gone inactive: each with a firing LinkFailed alert. */
async function twoOutages(t: TestMuster, webhookUrl?: string) {
  const organization = (await t.admin.post('/api/v1/organizations', { name: `triage-${Math.random()}` })).json<{ id: string }>();
  const webhook = webhookUrl
    ? (await t.admin.post(`/api/v1/organizations/${organization.id}/webhooks`, { url: webhookUrl })).json<{ id: string }>()
    : undefined;
  const [first, second] = await Promise.all([
    t.createRegisteredSystem({ organization_id: organization.id, name: 'edge-1' }),
    t.createRegisteredSystem({ organization_id: organization.id, name: 'edge-2' }),
  ]);
  for (const system of [first, second]) await t.heartbeat(system.basic);
  t.clock.advance(11 * MINUTE);
  await t.muster.scanner.runOnce();
  await t.muster.alerts.processLivenessEvents();
  const alertOf = async (systemId: string) =>
    (await t.admin.get(`/api/v1/systems/${systemId}/alerts?name=LinkFailed&status=firing`)).json<{ items: Alert[] }>().items[0]!;
  return { organization, webhook, first: first, second: second, alertOf };
}

for (const kind of databaseKinds()) {
  describe(`alert triage: acknowledge and silence (${kind})`, () => {
    const { t } = useTestMuster(kind, { clock: () => new ManualClock(new Date('2026-05-04T09:00:00Z')) });
    let receiver: WebhookReceiver;
    before(async () => {
      receiver = await startWebhookReceiver();
    });
    after(() => receiver.close());

    it('acknowledges a firing alert (who, when, comment; audited), lists by it, and withdraws it', async () => {
      const { organization, first, second, alertOf } = await twoOutages(t);
      const alert = await alertOf(first.id);
      assert.equal(alert.acknowledgement, null);
      const url = `/api/v1/systems/${first.id}/alerts/${alert.id}`;
      const acknowledged = await t.admin.post(`${url}/acknowledge`, { comment: 'cable cut at site 4, on it' });
      assert.equal(acknowledged.statusCode, 200, acknowledged.body);
      assert.deepEqual(acknowledged.json<Alert>().acknowledgement, {
        at: t.clock.now().toISOString(),
        by: 'admin token',
        comment: 'cable cut at site 4, on it',
      });

      const listed = (acknowledged: boolean) =>
        t.admin
          .get(`/api/v1/alerts?organization_id=${organization.id}&status=firing&acknowledged=${acknowledged}`)
          .then((response) => response.json<{ items: Alert[] }>().items.map((item) => item.system_id));
      assert.deepEqual(await listed(true), [first.id]);
      assert.deepEqual(await listed(false), [second.id]);

      const audit = (await t.admin.get(`/api/v1/audit?action=systems.alerts.acknowledge&target_id=${alert.id}`)).json<{
        items: { outcome: string; target_type: string }[];
      }>();
      assert.deepEqual(
        audit.items.map((row) => [row.outcome, row.target_type]),
        [['success', 'alert']],
      );

      assert.equal(
        (await t.admin.post(`/api/v1/systems/${second.id}/alerts/${alert.id}/acknowledge`)).statusCode,
        404,
        "another system's alert is not found there",
      );
      assert.equal((await t.admin.post(`${url}/acknowledge`, { comment: 'x'.repeat(501) })).statusCode, 400);
      const withdrawn = await t.admin.delete(`${url}/acknowledgement`);
      assert.equal(withdrawn.statusCode, 200);
      assert.equal(withdrawn.json<Alert>().acknowledgement, null);

      // Recovered: a resolved alert is not acknowledged.
      await t.heartbeat(first.basic);
      await t.muster.alerts.processLivenessEvents();
      assert.equal((await t.admin.post(`${url}/acknowledge`)).statusCode, 409);
    });

    it("silences a rule on a system for a while: Muster's webhooks stay quiet for it until it ends", async () => {
      const { webhook, first, second, alertOf } = await twoOutages(t, receiver.url);
      const [alert, other] = [await alertOf(first.id), await alertOf(second.id)];
      const url = `/api/v1/systems/${first.id}/alerts/${alert.id}/silence`;
      assert.equal((await t.admin.post(url, { duration_minutes: 0 })).statusCode, 400);
      assert.equal((await t.admin.post(url, {})).statusCode, 400, 'a duration is required');
      const silenced = await t.admin.post(url, { duration_minutes: 60, comment: 'maintenance window' });
      assert.equal(silenced.statusCode, 201, silenced.body);
      const silence = silenced.json<Alert>().silence!;
      assert.equal(Date.parse(silence.ends_at) - Date.parse(silence.starts_at), 60 * MINUTE);
      assert.deepEqual([silence.by, silence.comment, silence.alertmanager_silence_id], ['admin token', 'maintenance window', null]);
      assert.equal((await alertOf(first.id)).silence?.id, silence.id, 'listed with the alert');
      assert.equal((await alertOf(second.id)).silence, null);

      // Both recover: each resolution is delivered, but the silenced system's is not sent.
      const target = { kind: 'webhook' as const, webhookId: webhook!.id };
      const sent = () => receiver.received.map((entry) => JSON.parse(entry.body) as { event: string; alert: { id: string } });
      const before = receiver.received.length;
      await t.muster.deliveries.deliver({ alertId: alert.id, target });
      await t.muster.deliveries.deliver({ alertId: other.id, target });
      // The job runner delivers what earlier tests queued meanwhile (and may deliver these too): only these two alerts count.
      const delivered = new Set(
        sent()
          .slice(before)
          .map((entry) => entry.alert.id)
          .filter((id) => id === alert.id || id === other.id),
      );
      assert.deepEqual([...delivered], [other.id], 'the silenced alert is not delivered');

      // Ended early: delivered again.
      const ended = await t.admin.delete(url);
      assert.equal(ended.statusCode, 200);
      assert.equal(ended.json<Alert>().silence, null);
      await t.muster.deliveries.deliver({ alertId: alert.id, target });
      await eventually(() => sent().some((entry) => entry.alert.id === alert.id), 'the delivery after the silence ended');

      // A silence ends by itself.
      await t.admin.post(url, { duration_minutes: 5 });
      t.clock.advance(5 * MINUTE);
      assert.equal((await alertOf(first.id)).silence, null, 'over after its duration');
    });
  });
}

describe(
  'alert triage with Alertmanager: silences are made there too',
  { skip: alertmanagerAvailable() ? false : 'prometheus-alertmanager is not installed' },
  () => {
    let t: TestMuster;
    let alertmanager: Awaited<ReturnType<typeof startAlertmanager>>;
    const database = useTestDatabase('pglite', async () => {
      await t.close();
      await alertmanager.stop();
    });
    before(async () => {
      alertmanager = await startAlertmanager();
      // Alertmanager judges silences by its own clock: Muster's starts now.
      t = await startTestMuster(database.db, { ALERTMANAGER_URL: alertmanager.url }, new ManualClock(new Date(Date.now() - 11 * MINUTE)));
    });

    it('creates the silence in Alertmanager (alertname and system_id), ends it there, and stores nothing when Alertmanager refuses', async () => {
      const { first, alertOf } = await twoOutages(t);
      const alert = await alertOf(first.id);
      const url = `/api/v1/systems/${first.id}/alerts/${alert.id}/silence`;
      const silenced = await t.admin.post(url, { duration_minutes: 30, comment: 'replacing the switch' });
      assert.equal(silenced.statusCode, 201, silenced.body);
      const id = silenced.json<Alert>().silence!.alertmanager_silence_id;
      assert.ok(id, "Alertmanager's silence id is kept");
      type Silence = { matchers: { name: string; value: string; isEqual: boolean }[]; comment: string; createdBy: string; status: { state: string } };
      const inAlertmanager = async () => (await (await fetch(`${alertmanager.url}/api/v2/silence/${id}`)).json()) as Silence;
      const made = await inAlertmanager();
      assert.deepEqual(made.matchers.map((matcher) => [matcher.name, matcher.value, matcher.isEqual]).sort(), [
        ['alertname', 'LinkFailed', true],
        ['system_id', first.id, true],
      ]);
      assert.deepEqual([made.comment, made.createdBy, made.status.state], ['replacing the switch', 'admin token', 'active']);

      assert.equal((await t.admin.delete(url)).statusCode, 200);
      assert.equal((await inAlertmanager()).status.state, 'expired');

      await alertmanager.stop();
      const refused = await t.admin.post(url, { duration_minutes: 30 });
      assert.equal(refused.statusCode, 502, refused.body);
      assert.equal((await alertOf(first.id)).silence, null, 'nothing stored when Alertmanager cannot be reached');
    });
  },
);
