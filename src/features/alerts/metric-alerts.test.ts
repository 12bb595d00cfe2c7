import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { alertmanagerAvailable, startAlertmanager, type TestAlertmanager } from '../../../test/helpers/alertmanager.ts';
import { eventually } from '../../../test/helpers/eventually.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { ManualClock } from '../../clock/clock.ts';
import { AlertRulesError, DEFAULT_ALERT_RULES, parseAlertRules } from './alert-rules.ts';
import { matchRules } from './metric-alerts.ts';

const MINUTE = 60_000;
const available = alertmanagerAvailable();
if (!available && process.env.CI === 'true') throw new Error('CI=true but prometheus-alertmanager is missing: .ci/run installs it');

describe('metric alert rules in the rules file', () => {
  it('has the default rules of the issue: disk, memory, load per core, GPU memory', () => {
    assert.deepEqual(
      DEFAULT_ALERT_RULES.metrics.map((rule) => [rule.alert, rule.metric, rule.dividedBy, rule.comparison, rule.threshold, rule.forSeconds, rule.severity]),
      [
        ['DiskAlmostFull', 'disk.percent', null, '>=', 90, 600, 'high'],
        ['MemoryAlmostFull', 'memory.percent', null, '>=', 95, 600, 'medium'],
        ['HighLoad', 'cpu.load5', 'cpu.cores', '>=', 2, 900, 'medium'],
        ['GpuMemoryAlmostFull', 'gpu.memory_used_mb', 'gpu.memory_total_mb', '>=', 95, 600, 'medium'],
      ],
    );
  });

  it('refuses a rule naming an unknown metric, a bad comparison, duration or severity, and duplicate ids', () => {
    const names = ['disk.percent'];
    const rule = { id: 'r', metric: 'disk.percent', comparison: '>', threshold: 1, for: '5m', severity: 'high' };
    assert.equal(parseAlertRules({ metrics: [rule] }, 'rules.json', names).metrics[0]!.forSeconds, 300);
    for (const [bad, message] of [
      [{ ...rule, metric: 'disk.full' }, /metrics\[0\]\.metric: "disk.full" is not a metric/],
      [{ ...rule, comparison: '=>' }, /metrics\[0\]\.comparison/],
      [{ ...rule, for: '5 minutes' }, /metrics\[0\]\.for/],
      [{ ...rule, severity: 'urgent' }, /metrics\[0\]\.severity/],
      [{ ...rule, thresold: 3 }, /metrics\[0\]\.thresold: unknown field/],
    ] as const) {
      assert.throws(
        () => parseAlertRules({ metrics: [bad] }, 'rules.json', names),
        (error: Error) => error instanceof AlertRulesError && message.test(error.message),
      );
    }
    assert.throws(() => parseAlertRules({ metrics: [rule, rule] }, 'rules.json', names), /used twice/);
  });

  it('divides by the series with the same labels, or by the system’s only one, and skips a missing or zero divisor', () => {
    const at = new Date();
    const sample = (systemId: string, name: string, value: number, labels: Record<string, string> = {}) => ({ systemId, at, name, labels, value });
    const matches = matchRules(DEFAULT_ALERT_RULES.metrics, [
      sample('a', 'gpu.memory_used_mb', 23_500, { index: '0' }),
      sample('a', 'gpu.memory_total_mb', 24_576, { index: '0' }),
      sample('a', 'gpu.memory_used_mb', 100, { index: '1' }),
      sample('a', 'gpu.memory_total_mb', 24_576, { index: '1' }),
      sample('a', 'cpu.load5', 9),
      sample('a', 'cpu.cores', 4),
      sample('b', 'cpu.load5', 9),
      sample('c', 'cpu.load5', 9),
      sample('c', 'cpu.cores', 0),
    ]);
    assert.deepEqual(
      matches.map((match) => [match.rule.alert, match.systemId, match.series, Number(match.value.toFixed(2))]),
      [
        ['HighLoad', 'a', '{}', 2.25],
        ['GpuMemoryAlmostFull', 'a', '{"index":"0"}', 95.62],
      ],
    );
  });
});

for (const kind of databaseKinds()) {
  describe(`metric alerts (${kind})`, { skip: available ? false : 'prometheus-alertmanager is not installed' }, () => {
    const env: Record<string, string> = {};
    let alertmanager: TestAlertmanager | undefined;
    before(async () => {
      alertmanager = await startAlertmanager();
      env.ALERTMANAGER_URL = alertmanager.url;
    });
    // Alertmanager judges alerts' times by its own clock: the first test's 11 minutes end just before now.
    const { t } = useTestMuster(kind, { env, clock: () => new ManualClock(new Date(Date.now() - 11.5 * MINUTE)) });
    after(() => alertmanager?.stop());

    const post = (basic: string, body: unknown) => t.postMetrics(basic, body);
    const alertsOf = async (systemId: string) =>
      (await t.admin.get(`/api/v1/systems/${systemId}/alerts`))
        .json<{ items: { name: string; status: string; severity: string; labels: Record<string, string>; summary: string; ends_at: string | null }[] }>()
        .items.filter((alert) => alert.name !== 'SystemRegistered');
    const inAlertmanager = async (alertname: string) => {
      const response = await fetch(`${alertmanager!.url}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
      return (await response.json()) as { labels: Record<string, string>; status: { state: string }; endsAt: string }[];
    };

    it('raises an alert once a series has met its rule for the rule’s `for`, delivers it to Alertmanager, and resolves it when it no longer does', async () => {
      const system = await t.createRegisteredSystem();
      const full = {
        cpu: { percent: 10, cores: 4, loadavg: { '1m': 1, '5m': 1, '15m': 1 } },
        disks: [
          { mountpoint: '/data', percent: 95 },
          { mountpoint: '/', percent: 40 },
        ],
      };
      assert.equal((await post(system.basic, full)).statusCode, 200);
      assert.deepEqual(await t.muster.metricAlerts.evaluate(), { pending: 1, raised: 0, resolved: 0 });
      assert.deepEqual(await alertsOf(system.id), [], 'pending, not firing');

      t.clock.advance(5 * MINUTE);
      assert.equal((await post(system.basic, full)).statusCode, 200);
      assert.deepEqual(await t.muster.metricAlerts.evaluate(), { pending: 1, raised: 0, resolved: 0 });
      t.clock.advance(5 * MINUTE);
      assert.equal((await post(system.basic, full)).statusCode, 200);
      assert.deepEqual(await t.muster.metricAlerts.evaluate(), { pending: 0, raised: 1, resolved: 0 });
      const [alert] = await alertsOf(system.id);
      assert.equal(alert!.name, 'DiskAlmostFull');
      assert.equal(alert!.status, 'firing');
      assert.equal(alert!.severity, 'high');
      assert.equal(alert!.labels.mountpoint, '/data');
      assert.equal(alert!.labels.rule, 'disk-almost-full');
      assert.equal(alert!.summary, 'disk.percent{mountpoint=/data} is 95');
      assert.deepEqual(await t.muster.metricAlerts.evaluate(), { pending: 0, raised: 0, resolved: 0 }, 'raised once');
      const delivered = await eventually(async () => {
        const found = (await inAlertmanager('DiskAlmostFull')).find((a) => a.labels.system_id === system.id);
        return found?.status.state === 'active' && found;
      }, 'the alert in Alertmanager');
      assert.equal(delivered.labels.mountpoint, '/data');

      t.clock.advance(MINUTE);
      assert.equal((await post(system.basic, { ...full, disks: [{ mountpoint: '/data', percent: 60 }] })).statusCode, 200);
      assert.deepEqual(await t.muster.metricAlerts.evaluate(), { pending: 0, raised: 0, resolved: 1 });
      const [resolved] = await alertsOf(system.id);
      assert.equal(resolved!.status, 'resolved');
      // Resolved in Alertmanager: it ends when Muster resolved it.
      await eventually(async () => {
        const found = (await inAlertmanager('DiskAlmostFull')).find((a) => a.labels.system_id === system.id);
        // Alertmanager lists only alerts that have not ended.
        return found === undefined && Date.parse(resolved!.ends_at!) <= Date.now();
      }, 'the alert resolved in Alertmanager');
    });

    it('divides the load by the cores and the GPU memory by its total, and resolves a firing alert when its system stops reporting', async () => {
      const system = await t.createRegisteredSystem();
      const busy = {
        cpu: { percent: 99, cores: 4, loadavg: { '1m': 9, '5m': 9, '15m': 9 } },
        gpus: [{ index: 0, memory_used_mb: 23_500, memory_total_mb: 24_576 }],
      };
      assert.equal((await post(system.basic, busy)).statusCode, 200);
      await t.muster.metricAlerts.evaluate();
      t.clock.advance(15 * MINUTE);
      assert.equal((await post(system.basic, busy)).statusCode, 200);
      await t.muster.metricAlerts.evaluate();
      const firing = await alertsOf(system.id);
      assert.deepEqual(firing.map((alert) => [alert.name, alert.status]).sort(), [
        ['GpuMemoryAlmostFull', 'firing'],
        ['HighLoad', 'firing'],
      ]);
      // No samples for longer than the staleness: nothing to judge by, the alerts resolve.
      t.clock.advance(11 * MINUTE);
      const outcome = await t.muster.metricAlerts.evaluate();
      assert.ok(outcome && outcome.resolved >= 2, JSON.stringify(outcome));
      assert.deepEqual(
        (await alertsOf(system.id)).map((alert) => alert.status),
        ['resolved', 'resolved'],
      );
    });
  });
}
