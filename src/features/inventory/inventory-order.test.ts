import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { startTestMuster, type TestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';

interface StoredRecord {
  id: string;
  sequence: number;
  previous: string[];
}

/**
 * Two nodes on one database receive one system's inventories: whatever the nodes' clocks and
 * whichever node processes, each system's inventories are processed in the order they were
 * received (committed), every record diffed against its predecessor.
 */
for (const kind of databaseKinds()) {
  describe(`inventory: receive order across nodes (${kind})`, () => {
    let second: TestMuster;
    const { database, t: first } = useTestMuster(kind, { env: { ROLES: 'api' }, beforeClose: () => second.close() });

    before(async () => {
      // The second node's clock runs ten seconds ahead of the first's.
      const ahead = new ManualClock(new Date(first.clock.now().getTime() + 10_000));
      second = await startTestMuster(await database.openAnother(), { ROLES: 'api' }, ahead);
    });

    const send = (node: TestMuster, basic: string, sequence: number) =>
      node.muster.app.inject({
        method: 'POST',
        url: '/api/systems/inventory',
        headers: { authorization: basic, 'content-type': 'application/json' },
        payload: JSON.stringify({ fqdn: 'order.example.com', custom: { sequence } }),
      });

    /** The system's records in receive order, each with the sequence it carries and the records its diffs name as previous. */
    async function records(systemId: string): Promise<StoredRecord[]> {
      const { rows } = await database.db.query<{ id: string; sequence: number; previous: string[] }>(
        `SELECT r.id, (r.data->'custom'->>'sequence')::integer AS sequence,
           coalesce((SELECT array_agg(DISTINCT d.previous_record_id::text) FROM inventory_diffs d WHERE d.record_id = r.id), '{}') AS previous
         FROM inventory_records r WHERE r.system_id = $1 ORDER BY r.received_at, r.id`,
        [systemId],
      );
      return rows;
    }

    function assertChain(stored: StoredRecord[]): void {
      stored.forEach((record, index) => {
        const expected = index === 0 ? [] : [stored[index - 1]!.id];
        assert.deepEqual(record.previous, expected, `record ${index} (inventory ${record.sequence}) is diffed against its predecessor`);
      });
    }

    it('keeps the order of inventories sent one after another to alternate nodes with skewed clocks', async () => {
      const system = await first.createRegisteredSystem();
      const nodes = [second, first];
      for (let sequence = 1; sequence <= 8; sequence++) {
        const response = await send(nodes[sequence % 2]!, system.basic, sequence);
        assert.equal(response.statusCode, 202, response.body);
        // Processed now and then, by either node, so some rounds find several waiting.
        if (sequence % 3 === 0) await nodes[sequence % 2]!.muster.inventory.process(system.id);
      }
      await first.muster.inventory.process(system.id);
      const stored = await records(system.id);
      assert.deepEqual(
        stored.map((record) => record.sequence),
        [1, 2, 3, 4, 5, 6, 7, 8],
      );
      assertChain(stored);
    });

    it('answers timestamps that follow the receive order', async () => {
      const system = await first.createRegisteredSystem();
      const late = await send(second, system.basic, 1);
      const early = await send(first, system.basic, 2);
      assert.ok(Date.parse(early.json().data.timestamp) >= Date.parse(late.json().data.timestamp), 'the second inventory is not dated before the first');
      assert.equal(early.json().data.changes_detected, true);
    });

    it('forms one chain when both nodes receive and process concurrently', async () => {
      const system = await first.createRegisteredSystem();
      const nodes = [first, second];
      const sends = Array.from({ length: 24 }, (_, index) => send(nodes[index % 2]!, system.basic, index + 1));
      const processing = Array.from({ length: 6 }, (_, index) => nodes[index % 2]!.muster.inventory.process(system.id));
      const answers = await Promise.all(sends);
      await Promise.all(processing);
      for (const answer of answers) assert.equal(answer.statusCode, 202, answer.body);
      await second.muster.inventory.process(system.id);
      const stored = await records(system.id);
      assert.equal(new Set(stored.map((record) => record.sequence)).size, stored.length);
      assert.equal(stored.length, 24, 'every inventory is a record (all differ)');
      assertChain(stored);
    });
  });
}
