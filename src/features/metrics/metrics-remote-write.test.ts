import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../../test/helpers/eventually.ts';
import { prometheusAvailable, startPrometheus, type TestPrometheus } from '../../../test/helpers/prometheus.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { ManualClock } from '../../clock/clock.ts';

const available = prometheusAvailable();

for (const kind of databaseKinds()) {
  describe(`metrics forwarded by remote write to a real Prometheus (${kind})`, { skip: available ? false : 'prometheus is not installed' }, () => {
    const env: Record<string, string> = {};
    let prometheus: TestPrometheus | undefined;
    before(async () => {
      prometheus = await startPrometheus();
      env.METRICS_REMOTE_WRITE_URL = prometheus.remoteWriteUrl;
    });
    // Prometheus takes samples near its own time only.
    const { t } = useTestMuster(kind, { env, clock: () => new ManualClock(new Date(Date.now() - 60_000)) });
    after(() => prometheus?.stop());

    it("sends a monitoring report's and an appliance's samples, stored first, with their system's and organization's ids", async () => {
      const system = await t.createRegisteredSystem();
      const response = await t.postMetrics(system.basic, { cpu: { percent: 42.5 }, disks: [{ mountpoint: '/srv', percent: 77 }] });
      assert.equal(response.statusCode, 200, response.body);
      const at = t.clock.now().getTime() / 1000;
      const query = async (promql: string) => {
        const answer = await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(promql)}&time=${at}`);
        return ((await answer.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
      };
      const disk = await eventually(
        async () => {
          const result = await query(`disk_percent{system_id="${system.id}"}`);
          return result.length > 0 && result;
        },
        `disk_percent in Prometheus (${prometheus!.logs().slice(-500)})`,
      );
      assert.deepEqual(disk[0]!.metric, { __name__: 'disk_percent', mountpoint: '/srv', organization_id: system.organizationId, system_id: system.id });
      assert.equal(disk[0]!.value[1], '77');
      assert.equal((await query(`cpu_percent{system_id="${system.id}"}`))[0]?.value[1], '42.5');
      assert.equal(t.muster.systemMetrics.remote?.status().dropped, 0);
      const exposed = await t.muster.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(exposed.body, /muster_remote_write_samples_sent_total \d+/);
    });
  });
}
