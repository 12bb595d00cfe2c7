import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually } from '../../../test/helpers/eventually.ts';
import { startFakeStateManager, type FakeStateManager, type StateManagerCall } from '../../../test/helpers/fake-state-manager.ts';
import { databaseKinds, useTestDatabase } from '../../../test/helpers/test-databases.ts';
import { startTestMuster, useTestMuster, type TestMuster } from '../../../test/helpers/test-muster.ts';
import { ManualClock } from '../../clock/clock.ts';

const QUEUE = 'heartbeat-daemon-notifications';
const MESSAGES = {
  started: ['Ready', 'OK', 'Heartbeat started'],
  restarted: ['Ready', 'OK', 'Heartbeat restarted'],
  warning: ['Ready', 'Warning', 'Heartbeat stopped -- might be dead'],
  dead: ['Standby', 'Alert', 'Heartbeat stopped -- declared dead'],
} as const;

/** The body the daemon sends for a category, its components sorted (a call's order is not part of the contract). */
function expected(category: keyof typeof MESSAGES, components: string[]) {
  const [State, Flag, Message] = MESSAGES[category];
  return { ComponentIDs: [...components].sort(), State, Flag, ExtendedInfo: { ID: '', Message, Flag: '' } };
}

const sorted = (call: StateManagerCall) => {
  const body = call.body as { ComponentIDs: string[]; State: string; Flag: string; ExtendedInfo: Record<string, string> };
  return { ...body, ComponentIDs: [...body.ComponentIDs].sort() };
};

/** A node of the organization: beats for components through its own API key. */
async function hmiClient(node: TestMuster, organizationId?: string) {
  let organization = organizationId;
  if (!organization) {
    const created = await node.admin.post('/api/v1/organizations', { name: `hpc-${Math.random().toString(36).slice(2, 8)}` });
    organization = created.json<{ id: string }>().id;
  }
  const key = (await node.admin.post(`/api/v1/organizations/${organization}/api-keys`, { name: 'hbtd', scopes: ['heartbeat-daemon'] })).json<{ key: string }>()
    .key;
  const call = (method: 'POST' | 'PATCH', url: string, payload: unknown, on = node) =>
    on.muster.app.inject({
      method,
      url: `/hmi/v1${url}`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify(payload),
    });
  return {
    organization,
    call,
    async beat(xnames: string[], on = node) {
      for (const xname of xnames) {
        const response = await call('POST', '/heartbeat', { Component: xname, Status: 'OK', Timestamp: new Date().toISOString() }, on);
        assert.equal(response.statusCode, 200, response.body);
      }
    },
    async params(params: Record<string, string>) {
      const response = await call('PATCH', '/params', params);
      assert.equal(response.statusCode, 200, response.body);
    },
  };
}

async function queueIdle(node: TestMuster) {
  const status = (await node.muster.jobs.status()).find((queue) => queue.name === QUEUE);
  return status !== undefined && status.queued === 0 && status.active === 0;
}

for (const kind of databaseKinds()) {
  describe(`heartbeat-daemon state-manager notifications (${kind})`, () => {
    const { t, database } = useTestMuster(kind);
    // A state manager per test: one that fails on purpose must not hold up another test's jobs in their backoff.
    const managers: FakeStateManager[] = [];
    const newManager = async () => {
      const manager = await startFakeStateManager();
      managers.push(manager);
      return manager;
    };
    after(() => Promise.all(managers.map((manager) => manager.close())));

    /** One relay round; then waits until the state manager got `count` successful calls in all. */
    async function relayAndWait(node: TestMuster, manager: FakeStateManager, count: number) {
      await node.muster.heartbeatDaemon.relay.runOnce();
      await eventually(() => manager.delivered().length >= count, `${count} deliveries`);
      await eventually(() => queueIdle(node), 'the notification queue to empty');
    }

    it('sends each category once per scan, with exactly its components and the daemon’s body', async () => {
      const manager = await newManager();
      const hmi = await hmiClient(t);
      await hmi.params({ Warntime: '5', Errtime: '20', Sm_url: manager.url });
      const first = manager.delivered().length;
      await hmi.beat(['x0c0s0b0n0', 'x0c0s0b0n1', 'x0c0s0b0n2']);
      await relayAndWait(t, manager, first + 1);
      const [started] = manager.delivered().slice(first);
      assert.equal(started!.method, 'PATCH');
      assert.equal(started!.path, '/hsm/v2/State/Components/BulkStateData');
      assert.equal(started!.contentType, 'application/json');
      assert.deepEqual(sorted(started!), expected('started', ['x0c0s0b0n0', 'x0c0s0b0n1', 'x0c0s0b0n2']));

      t.clock.advance(6_000);
      await t.muster.scanner.runOnce();
      await relayAndWait(t, manager, first + 2);
      assert.deepEqual(sorted(manager.delivered()[first + 1]!), expected('warning', ['x0c0s0b0n0', 'x0c0s0b0n1', 'x0c0s0b0n2']));

      await hmi.beat(['x0c0s0b0n0']);
      await relayAndWait(t, manager, first + 3);
      assert.deepEqual(sorted(manager.delivered()[first + 2]!), expected('restarted', ['x0c0s0b0n0']));

      // 21 s after their last beat n1 and n2 are dead; n0, 15 s after its own, is warned again: one scan, two calls.
      t.clock.advance(15_000);
      await t.muster.scanner.runOnce();
      await relayAndWait(t, manager, first + 5);
      const calls = manager
        .delivered()
        .slice(first + 3)
        .map(sorted)
        .sort((a, b) => a.State.localeCompare(b.State));
      assert.deepEqual(
        calls,
        [expected('warning', ['x0c0s0b0n0']), expected('dead', ['x0c0s0b0n1', 'x0c0s0b0n2'])].sort((a, b) => a.State.localeCompare(b.State)),
      );
      assert.equal(manager.delivered().length, first + 5, 'nothing else was sent');
    });

    it('retries a failed call until the state manager takes it; an older state never overwrites a newer one', async () => {
      const manager = await newManager();
      const hmi = await hmiClient(t);
      await hmi.params({ Warntime: '5', Errtime: '20', Sm_url: manager.url, Sm_retries: '10' });
      const first = manager.delivered().length;
      await hmi.beat(['x1c0s0b0n0']);
      await relayAndWait(t, manager, first + 1);

      manager.answer(503);
      const failedBefore = manager.calls.length;
      t.clock.advance(6_000);
      await t.muster.scanner.runOnce();
      await t.muster.heartbeatDaemon.relay.runOnce();
      await eventually(() => manager.calls.length > failedBefore, 'the warning to be tried');
      t.clock.advance(15_000);
      await t.muster.scanner.runOnce();
      await t.muster.heartbeatDaemon.relay.runOnce();
      await eventually(
        () => manager.calls.slice(failedBefore).some((call) => sorted(call).ComponentIDs.includes('x1c0s0b0n0') && sorted(call).State === 'Standby'),
        'the death to be tried',
      );
      manager.answer(204);
      await eventually(
        () => manager.delivered().some((call) => sorted(call).ComponentIDs.includes('x1c0s0b0n0') && sorted(call).State === 'Standby'),
        'the retried call',
        30_000,
      );
      await eventually(() => queueIdle(t), 'both jobs to finish', 30_000);
      // The warning's job found the component dead since: it sent nothing. (Components of earlier tests die meanwhile too.)
      assert.deepEqual(
        manager
          .delivered()
          .slice(first + 1)
          .map(sorted)
          .filter((body) => body.ComponentIDs.includes('x1c0s0b0n0')),
        [expected('dead', ['x1c0s0b0n0'])],
      );
    });

    it('dead-letters a call after Sm_retries failed retries, visible in the jobs API', async () => {
      const manager = await newManager();
      const hmi = await hmiClient(t);
      await hmi.params({ Sm_url: manager.url, Sm_retries: '1' });
      const dead = async () => (await t.admin.get(`/api/v1/jobs/${QUEUE}/dead`)).json<{ items: { data: { components: { xname: string }[] } }[] }>().items;
      const deadBefore = (await dead()).length;
      manager.answer(500);
      const callsBefore = manager.calls.length;
      await hmi.beat(['x2c0s0b0n0']);
      await t.muster.heartbeatDaemon.relay.runOnce();
      const items = await eventually(
        async () => {
          const now = await dead();
          return now.length > deadBefore && now;
        },
        'the job to be dead',
        30_000,
      );
      assert.ok(items.some((item) => item.data.components.some((component) => component.xname === 'x2c0s0b0n0')));
      assert.equal(manager.calls.length - callsBefore, 2, 'the first attempt and one retry');
      manager.answer(204);
    });

    it('sends nothing with Nosm, nor before a state manager is named', async () => {
      const manager = await newManager();
      const unnamed = await hmiClient(t);
      const off = await hmiClient(t);
      await off.params({ Sm_url: manager.url, Nosm: 'yes' });
      const callsBefore = manager.calls.length;
      await unnamed.beat(['x3c0s0b0n0']);
      await off.beat(['x3c0s0b0n1']);
      assert.ok((await t.muster.heartbeatDaemon.relay.runOnce()) >= 2, 'the transitions were handed on');
      assert.equal(await t.muster.heartbeatDaemon.relay.runOnce(), 0, 'and are not waiting any more');
      await eventually(() => queueIdle(t), 'the queue to be idle');
      assert.equal(manager.calls.length, callsBefore);
    });

    it('sends each transition once with two nodes relaying and delivering at once', async () => {
      const manager = await newManager();
      const second = await startTestMuster(await database.openAnother(), {}, new ManualClock(t.clock.now()));
      try {
        const hmi = await hmiClient(t);
        await hmi.params({ Warntime: '5', Errtime: '20', Sm_url: manager.url });
        const first = manager.delivered().length;
        const xnames = Array.from({ length: 20 }, (_, index) => `x4c0s${index}b0n0`);
        await hmi.beat(xnames.slice(0, 10));
        await hmi.beat(xnames.slice(10), second);
        await Promise.all([t.muster.heartbeatDaemon.relay.runOnce(), second.muster.heartbeatDaemon.relay.runOnce()]);
        await Promise.all([t.muster.heartbeatDaemon.relay.runOnce(), second.muster.heartbeatDaemon.relay.runOnce()]);
        await eventually(() => manager.delivered().length > first, 'a delivery');
        await eventually(() => queueIdle(t), 'the queue to be idle');
        const startedCalls = manager.delivered().slice(first);
        const notified = startedCalls.flatMap((call) => (call.body as { ComponentIDs: string[] }).ComponentIDs);
        assert.deepEqual([...notified].sort(), [...xnames].sort(), 'every component once');
        assert.ok(startedCalls.length <= 2, 'at most one call per round');
      } finally {
        await second.close();
      }
    });
  });

  describe(`heartbeat-daemon notifications across a restart (${kind})`, () => {
    const database = useTestDatabase(kind);

    it('delivers notifications still pending when the node stopped, once, after the restart', async () => {
      const manager = await startFakeStateManager();
      const clock = new ManualClock();
      // A node with no worker: its jobs wait in the database.
      const before = await startTestMuster(await database.openAnother(), { ROLES: 'api,scheduler' }, clock);
      let after: TestMuster | undefined;
      try {
        const hmi = await hmiClient(before);
        await hmi.params({ Sm_url: manager.url });
        await hmi.beat(['x5c0s0b0n0', 'x5c0s0b0n1']);
        await before.muster.heartbeatDaemon.relay.runOnce();
        await before.close();
        assert.equal(manager.calls.length, 0);
        after = await startTestMuster(await database.openAnother(), {}, clock);
        await eventually(() => manager.delivered().length === 1, 'the pending call');
        await eventually(() => queueIdle(after!), 'the queue to be idle');
        assert.equal(await after.muster.heartbeatDaemon.relay.runOnce(), 0, 'nothing relayed twice');
        assert.deepEqual(sorted(manager.delivered()[0]!), expected('started', ['x5c0s0b0n0', 'x5c0s0b0n1']));
        assert.equal(manager.calls.length, 1);
      } finally {
        await after?.close();
        await manager.close();
      }
    });
  });
}
