import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { genericInventory } from '../../../test/fixtures/sample-inventories.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';

const MINUTE = 60_000;
const START = new Date('2026-03-02T08:00:00Z');

type Reason = { kind: string; status?: string; name?: string; severity?: string; since: string };
type Item = { system_id: string; name: string; tier: string; since: string; status: string; reasons: Reason[] };
type AttentionPage = { items: Item[]; total: number; page: number; page_size: number; by_tier: Record<string, number> };

for (const kind of databaseKinds()) {
  describe(`needs attention: GET /api/v1/attention and the summary's counts (${kind})`, () => {
    const { t } = useTestMuster(kind, { clock: () => new ManualClock(START) });

    const attention = async (query: string) => {
      const response = await t.admin.get(`/api/v1/attention${query}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<AttentionPage>();
    };

    /** Sends `inventory` as the system's next inventory and processes it (raising its change alerts). */
    async function sendInventory(system: { id: string; basic: string }, inventory: unknown) {
      const response = await t.muster.app.inject({
        method: 'POST',
        url: '/api/systems/inventory',
        headers: { authorization: system.basic, 'content-type': 'application/json' },
        payload: JSON.stringify(inventory),
      });
      assert.equal(response.statusCode, 202, response.body);
      await t.muster.inventory.process(system.id);
    }

    it('lists each system once with its reasons, worst first, never a suspended or deleted one, and the summary adds up', async () => {
      const org = (await t.admin.post('/api/v1/organizations', { name: `attention-${Math.random()}`, heartbeat_warning_minutes: 5 })).json<{ id: string }>();
      const other = await t.createOrganization('elsewhere');
      const system = (name: string, organization_id = org.id) => t.createRegisteredSystem({ name, organization_id });
      const [oldest, later, suspended, deleted, elsewhere, quiet] = await Promise.all([
        system('down-first'),
        system('down-later'),
        system('down-suspended'),
        system('down-deleted'),
        system('down-elsewhere', other.id),
        system('quiet'),
      ]);
      for (const each of [oldest, suspended, deleted, elsewhere]) assert.equal((await t.heartbeat(each.basic)).statusCode, 200);
      t.clock.advance(MINUTE);
      await t.heartbeat(later.basic);
      t.clock.advance(5 * MINUTE);
      const late = await system('late');
      await t.heartbeat(late.basic);
      t.clock.advance(6 * MINUTE);
      // Now: the first two inactive (since minutes 10 and 11), `late` in warning, `quiet` never heard from.
      await t.muster.scanner.runOnce();
      await t.muster.alerts.processLivenessEvents();
      await t.admin.post(`/api/v1/systems/${suspended.id}/suspend`);
      await t.admin.delete(`/api/v1/systems/${deleted.id}`);

      // Two systems with firing change alerts: a removed interface (critical), a new OS version (high).
      const critical = await t.createSystemWithInventory(org.id, 'lost-interface', genericInventory());
      const high = await t.createSystemWithInventory(org.id, 'upgraded', genericInventory());
      for (const each of [critical, high]) await t.heartbeat(each.basic);
      t.clock.advance(MINUTE);
      const withoutEth1 = genericInventory() as { network: { interfaces: Record<string, unknown> } };
      delete withoutEth1.network.interfaces.eth1;
      await sendInventory(critical, withoutEth1);
      const upgraded = genericInventory() as { os: Record<string, unknown> };
      upgraded.os.version = '9.4';
      await sendInventory(high, upgraded);

      const listed = await attention(`?organization_id=${org.id}`);
      assert.deepEqual(
        listed.items.map((item) => [item.name, item.tier]),
        [
          ['down-first', 'critical'],
          ['down-later', 'critical'],
          ['lost-interface', 'critical'],
          ['upgraded', 'high'],
          ['late', 'warning'],
        ],
        'critical (inactive is) before high before warning, the longest standing first',
      );
      assert.deepEqual([listed.total, listed.by_tier], [5, { critical: 3, high: 1, warning: 1 }]);
      const [first] = listed.items;
      assert.deepEqual(
        first!.reasons.map((reason) => [reason.kind, reason.status]),
        [['liveness', 'inactive']],
        'its LinkFailed alert is the inactive status itself: not listed again',
      );
      assert.equal(first!.since, new Date(START.getTime() + 10 * MINUTE).toISOString());
      const lost = listed.items[2]!;
      assert.ok(lost.reasons.every((reason) => reason.kind === 'alert' && reason.severity === 'critical' && reason.name === 'InventoryChange'));
      assert.ok(listed.items[3]!.reasons.some((reason) => reason.severity === 'high'));
      assert.ok(
        listed.items[3]!.reasons.every((reason) => reason.severity === 'high'),
        'only critical and high alerts are reasons',
      );

      const second = await attention(`?organization_id=${org.id}&page=2&page_size=2`);
      assert.deepEqual(
        second.items.map((item) => item.name),
        ['lost-interface', 'upgraded'],
      );
      assert.equal(second.total, 5);
      const everywhere = await attention('?page_size=500');
      assert.ok(
        everywhere.items.some((item) => item.system_id === elsewhere.id),
        'without organization_id: every organization the caller may read',
      );
      assert.ok(!everywhere.items.some((item) => [suspended.id, deleted.id, quiet.id].includes(item.system_id)));

      // Back: no longer needing attention.
      await t.heartbeat(oldest.basic);
      assert.deepEqual(
        (await attention(`?organization_id=${org.id}`)).items.map((item) => item.name),
        ['down-later', 'lost-interface', 'upgraded', 'late'],
      );

      const summary = (await t.admin.get(`/api/v1/summary?organization_id=${org.id}`)).json<{
        total: number;
        by_status: Record<string, number>;
        suspended: number;
        deleted: number;
        by_version: { type: string; version: string | null; count: number }[];
        needs_attention: { systems: number; by_tier: Record<string, number> };
      }>();
      const statuses = Object.values(summary.by_status).reduce((sum, count) => sum + count, 0);
      assert.equal(statuses + summary.suspended, summary.total, 'the statuses and suspended add up to the total');
      assert.deepEqual([summary.total, summary.suspended, summary.deleted], [7, 1, 1]);
      assert.equal(summary.by_status.inactive, 1, 'the suspended system is not counted as inactive');
      assert.deepEqual([summary.needs_attention.systems, summary.needs_attention.by_tier], [4, { critical: 2, high: 1, warning: 1 }]);
      const reported = summary.by_version.filter((entry) => entry.version === '8.0.1');
      assert.equal(
        reported.reduce((sum, entry) => sum + entry.count, 0),
        2,
        'the two systems with inventories report version 8.0.1',
      );
    });
  });
}
