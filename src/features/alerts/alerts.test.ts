import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failAfter } from '../../../test/helpers/faulty-db.ts';
import { startTestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { AlertRulesError, DEFAULT_ALERT_RULES, parseAlertRules } from './alert-rules.ts';

const MINUTE = 60_000;

describe('alert rules', () => {
  it('default to high/critical and security changes, critical LinkFailed, warning, info registration', () => {
    assert.deepEqual(parseAlertRules(undefined, 'x'), DEFAULT_ALERT_RULES);
  });

  it('reject a bad section naming the field', () => {
    assert.throws(
      () => parseAlertRules({ liveness: { inactive: 'loud' } }, 'f.json'),
      (error: unknown) => error instanceof AlertRulesError && /alerts\.liveness\.inactive/.test(error.message),
    );
    assert.throws(() => parseAlertRules({ changes: [{ id: 'x', severities: ['huge'] }] }, 'f.json'), /alerts\.changes\[0\]\.severities/);
    assert.deepEqual(parseAlertRules({ registration: null }, 'f.json').registration, null);
  });
});

for (const kind of databaseKinds()) {
  describe(`alerts: raised by changes, liveness and registration (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { ROLES: 'api' } });

    const alertsOf = async (systemId: string, query = '') =>
      (await t.admin.get(`/api/v1/systems/${systemId}/alerts?${query}`)).json().items as {
        id: string;
        name: string;
        status: string;
        severity: string;
        summary: string;
        labels: Record<string, string>;
        starts_at: string;
        ends_at: string | null;
      }[];

    const postInventory = (basic: string, inventory: object) =>
      t.muster.app.inject({
        method: 'POST',
        url: '/api/systems/inventory',
        headers: { authorization: basic, 'content-type': 'application/json' },
        payload: JSON.stringify(inventory),
      });

    it('records a registration as an info event', async () => {
      const system = await t.createRegisteredSystem();
      const alerts = await alertsOf(system.id);
      assert.deepEqual(
        alerts.map((alert) => [alert.name, alert.status, alert.severity]),
        [['SystemRegistered', 'resolved', 'info']],
      );
      assert.equal(alerts[0]!.labels.system_key, system.systemKey);
    });

    it('raises an alert for high and security changes only, once, with the labels identifying the system', async () => {
      const system = await t.createRegisteredSystem({ name: 'fw-01' });
      await postInventory(system.basic, {
        os: { name: 'Rocky Linux', version: '9.2' },
        services: { nginx: { version: '1.23.0' } },
        features: { firewall: { enabled: true } },
      });
      t.clock.advance(MINUTE);
      await postInventory(system.basic, {
        os: { name: 'Rocky Linux', version: '9.3' },
        services: { nginx: { version: '1.24.0' } },
        features: { firewall: { enabled: false } },
      });
      await t.muster.inventory.process(system.id);
      await t.muster.inventory.process(system.id);

      const alerts = (await alertsOf(system.id, 'name=InventoryChange')).sort((a, b) => a.summary.localeCompare(b.summary));
      assert.deepEqual(
        alerts.map((alert) => [alert.labels.field_path, alert.severity, alert.status]),
        [
          ['features.firewall.enabled', alerts[0]!.severity, 'firing'],
          ['os.version', 'high', 'firing'],
        ],
      );
      assert.equal(alerts[0]!.labels.category, 'security');
      assert.match(alerts[1]!.summary, /os\.version changed: 9\.2 → 9\.3/);
      for (const alert of alerts) {
        assert.equal(alert.labels.system_name, 'fw-01');
        assert.equal(alert.labels.system_key, system.systemKey);
        assert.equal(alert.labels.organization_name, 'Default');
      }
      const fleet = (await t.admin.get(`/api/v1/alerts?status=firing&system_id=${system.id}`)).json();
      assert.equal(fleet.total, 2);

      // Change alerts stay firing for a day.
      t.clock.advance(25 * 60 * MINUTE);
      await t.muster.alerts.resolveExpired();
      assert.deepEqual(
        (await alertsOf(system.id, 'name=InventoryChange')).map((alert) => alert.status),
        ['resolved', 'resolved'],
      );
    });

    it('raises one alert per change for several systems processed together, with one delivery per webhook, none twice after a failed run', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}` })).json();
      const hooks: string[] = [];
      for (const path of ['/one', '/two']) {
        const created = await t.admin.post(`/api/v1/organizations/${organization.id}/webhooks`, { url: `http://127.0.0.1:9${path}` });
        assert.equal(created.statusCode, 201, created.body);
        hooks.push(created.json().id as string);
      }
      const hooked = [
        await t.createRegisteredSystem({ organization_id: organization.id }),
        await t.createRegisteredSystem({ organization_id: organization.id }),
      ];
      const plain = await t.createRegisteredSystem();
      const systems = [...hooked, plain];
      for (const system of systems)
        await postInventory(system.basic, { os: { version: '9.2' }, features: { firewall: { enabled: true } }, services: { nginx: { version: '1.23.0' } } });
      await t.muster.inventory.process(...systems.map((system) => system.id));
      t.clock.advance(MINUTE);
      for (const system of systems)
        await postInventory(system.basic, { os: { version: '9.3' }, features: { firewall: { enabled: false } }, services: { nginx: { version: '1.24.0' } } });

      // A run that fails once its alerts are written leaves nothing behind; the retry raises each alert once.
      const failing = await startTestMuster(failAfter(database.db, /INSERT INTO alerts/), { ROLES: 'api' });
      try {
        await assert.rejects(failing.muster.inventory.process(...systems.map((system) => system.id)));
      } finally {
        await failing.close();
      }
      for (const system of systems) assert.deepEqual(await alertsOf(system.id, 'name=InventoryChange'), []);
      assert.equal(await t.muster.inventory.process(...systems.map((system) => system.id)), 3);
      assert.equal(await t.muster.inventory.process(...systems.map((system) => system.id)), 0);

      const alertIds: string[] = [];
      const changeAlertIds = new Set<string>();
      for (const system of systems) {
        const alerts = await alertsOf(system.id, 'name=InventoryChange');
        assert.deepEqual(alerts.map((alert) => alert.labels.field_path).sort(), ['features.firewall.enabled', 'os.version'], `alerts of ${system.id}`);
        for (const alert of alerts) assert.equal(alert.labels.system_key, system.systemKey);
        for (const alert of alerts) changeAlertIds.add(alert.id);
        if (system !== plain) alertIds.push(...alerts.map((alert) => alert.id));
      }
      // Each change alert of the organization with webhooks goes to both of them; the other organization has none.
      const jobsSchema = database.db.server?.schema ? `${database.db.server.schema}_jobs` : 'pgboss';
      const { rows } = await database.db.query<{ alert_id: string; webhook_id: string }>(
        `SELECT data->>'alertId' AS alert_id, data->'target'->>'webhookId' AS webhook_id FROM ${jobsSchema}.job WHERE name = 'alerts.deliver'`,
      );
      const deliveries = rows.filter((row) => changeAlertIds.has(row.alert_id)).map((row) => `${row.alert_id} ${row.webhook_id}`);
      assert.deepEqual(deliveries.sort(), alertIds.flatMap((id) => hooks.map((hook) => `${id} ${hook}`)).sort());
    });

    it('fires LinkFailed when a system goes inactive and resolves it when it is back, once each', async () => {
      const system = await t.createRegisteredSystem();
      const beat = t.clock.now();
      await t.heartbeat(system.basic);
      t.clock.advance(11 * MINUTE);
      await t.muster.scanner.runOnce();
      await t.muster.alerts.processLivenessEvents();
      await t.muster.alerts.processLivenessEvents();
      let linkFailed = await alertsOf(system.id, 'name=LinkFailed');
      assert.deepEqual(
        linkFailed.map((alert) => [alert.status, alert.severity, alert.starts_at]),
        [['firing', 'critical', new Date(beat.getTime() + 10 * MINUTE).toISOString()]],
      );

      const back = t.clock.now();
      await t.heartbeat(system.basic);
      await t.muster.alerts.processLivenessEvents();
      linkFailed = await alertsOf(system.id, 'name=LinkFailed');
      assert.deepEqual(
        linkFailed.map((alert) => [alert.status, alert.ends_at]),
        [['resolved', back.toISOString()]],
      );

      // A second outage is a new alert.
      t.clock.advance(11 * MINUTE);
      await t.muster.scanner.runOnce();
      await t.muster.alerts.processLivenessEvents();
      assert.deepEqual(
        (await alertsOf(system.id, 'name=LinkFailed')).map((alert) => alert.status),
        ['firing', 'resolved'],
      );
    });

    it('resolves LinkFailed when its system is suspended or deleted: a system set aside is not alerted on', async () => {
      const [suspended, deleted] = await Promise.all([t.createRegisteredSystem(), t.createRegisteredSystem()]);
      for (const system of [suspended, deleted]) await t.heartbeat(system.basic);
      t.clock.advance(11 * MINUTE);
      await t.muster.scanner.runOnce();
      await t.muster.alerts.processLivenessEvents();
      for (const system of [suspended, deleted]) {
        assert.deepEqual(
          (await alertsOf(system.id, 'name=LinkFailed')).map((alert) => alert.status),
          ['firing'],
        );
      }
      t.clock.advance(MINUTE);
      const setAside = t.clock.now().toISOString();
      assert.equal((await t.admin.post(`/api/v1/systems/${suspended.id}/suspend`)).statusCode, 200);
      assert.equal((await t.admin.delete(`/api/v1/systems/${deleted.id}`)).statusCode, 200);
      for (const system of [suspended, deleted]) {
        assert.deepEqual(
          (await alertsOf(system.id, 'name=LinkFailed')).map((alert) => [alert.status, alert.ends_at]),
          [['resolved', setAside]],
        );
      }
      // Back in service and silent: its status is still inactive; no LinkFailed is raised twice.
      await t.admin.post(`/api/v1/systems/${suspended.id}/reactivate`);
      await t.muster.alerts.processLivenessEvents();
      assert.equal((await alertsOf(suspended.id, 'name=LinkFailed&status=firing')).length, 0);
    });

    it('raises HeartbeatWarning when the warning threshold is on, and nothing for suspended systems', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}`, heartbeat_warning_minutes: 5 })).json();
      const warned = await t.createRegisteredSystem({ organization_id: organization.id });
      const suspended = await t.createRegisteredSystem({ organization_id: organization.id });
      await t.heartbeat(warned.basic);
      await t.heartbeat(suspended.basic);
      await t.admin.post(`/api/v1/systems/${suspended.id}/suspend`);
      t.clock.advance(6 * MINUTE);
      await t.muster.scanner.runOnce();
      await t.muster.alerts.processLivenessEvents();
      assert.deepEqual(
        (await alertsOf(warned.id, 'name=HeartbeatWarning')).map((alert) => [alert.status, alert.severity]),
        [['firing', 'warning']],
      );
      t.clock.advance(5 * MINUTE);
      await t.muster.scanner.runOnce();
      await t.muster.alerts.processLivenessEvents();
      assert.deepEqual(
        (await alertsOf(warned.id, 'name=HeartbeatWarning')).map((alert) => alert.status),
        ['resolved'],
      );
      assert.deepEqual(
        (await alertsOf(warned.id, 'name=LinkFailed')).map((alert) => alert.status),
        ['firing'],
      );
      assert.deepEqual(await alertsOf(suspended.id, 'status=firing'), []);
    });
  });
}
