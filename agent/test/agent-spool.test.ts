import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../test/helpers/eventually.ts';
import { databaseKinds } from '../../test/helpers/test-databases.ts';
import { FIXTURE } from './helpers/fixture.ts';
import { agentStatus, ensureBuiltAgent, makeAgentHome, runAgentCommand, startAgent, type AgentHome, type RunningAgent } from './helpers/built-agent.ts';
import { rawPoints, startMusterForAgents, type MusterForAgents } from './helpers/muster-for-agents.ts';
import { startRelay } from './helpers/relay.ts';

for (const kind of databaseKinds()) {
  describe(`the built agent's spool through a Muster outage (${kind})`, () => {
    let muster: MusterForAgents;
    let home: AgentHome;
    const agents: RunningAgent[] = [];
    const relays: { close(): Promise<void> }[] = [];
    before(async () => {
      const [, started, made] = await Promise.all([ensureBuiltAgent(), startMusterForAgents(kind), makeAgentHome()]);
      muster = started;
      home = made;
    });
    after(async () => {
      for (const agent of agents) if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      for (const relay of relays) await relay.close();
      await muster?.dispose();
      await home?.dispose();
    });

    it('keeps reports while Muster is down, sends them in order once it is back, and a SIGKILL mid-drain loses and doubles nothing', async () => {
      const system = await muster.admin<{ id: string; system_secret: string }>('POST', '/api/v1/systems', { name: `agent-spool-${kind}` });
      await home.writeFixture(FIXTURE);
      const relay = await startRelay(muster.url);
      relays.push(relay);
      const registered = await runAgentCommand(home, ['register', '--url', relay.url, '--secret', system.system_secret]);
      assert.equal(registered.code, 0, registered.stderr);

      const first = startAgent(home);
      agents.push(first);
      await eventually(() => first.lines().some((line) => line.msg === 'record sent' && line.kind === 'metrics'), 'a first sample sent');
      await muster.stop();
      const spooledWhileDown = () => first.lines().filter((line) => line.msg === 'record spooled').length;
      const before = spooledWhileDown();
      await eventually(
        () => spooledWhileDown() - before >= 10 && first.lines().some((line) => /cannot take the record now/.test(line.msg)),
        'reports spooled while Muster is down',
        30_000,
      );
      assert.ok((await agentStatus(home)).spool.records >= 10);

      // Killed mid-drain at the worst moment: Muster has stored the third record since it came
      // back, and the agent has not heard so (the relay holds the answer). That record is still
      // spooled, and is sent again by the restarted agent.
      let storedSinceRestart = 0;
      relay.beforeAnswer = (route, status) => {
        if (route === '/api/systems/metrics' && status === 200 && ++storedSinceRestart === 3) first.child.kill('SIGKILL');
      };
      await muster.start();
      await first.exited;
      relay.beforeAnswer = () => {};
      const left = (await agentStatus(home)).spool.records;
      assert.ok(left > 0, 'killed with records still spooled');

      // A second apart, as the samples of one run are: the API's points are per second.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const second = startAgent(home);
      agents.push(second);
      await eventually(async () => (await agentStatus(home)).spool.records === 0, 'the restarted agent to drain the spool', 30_000);
      second.child.kill('SIGTERM');
      assert.equal((await second.exited).code, 0);

      const lines = [...first.lines(), ...second.lines()];
      // A record is logged as sent once it left the spool, so across the kill the list has no repeat
      // (the record in flight at the kill, if Muster had taken it, is sent again but logged once).
      const sent = lines.filter((line) => line.msg === 'record sent').map((line) => line.seq as string);
      assert.deepEqual(sent, [...new Set(sent)].sort(), 'sent strictly in order');
      const spooled = lines.filter((line) => line.msg === 'record spooled');

      // What Muster stored: one point per sample spooled (samples are a second apart), none twice.
      const metricsSpooled = spooled.filter((line) => line.kind === 'metrics').length;
      const points = await rawPoints(muster, system.id, 'cpu.percent');
      assert.equal(points.length, metricsSpooled, `${points.length} points for ${metricsSpooled} samples`);
      const times = points.map(([at]) => at);
      assert.deepEqual(
        times,
        [...new Set(times)].sort((a, b) => a - b),
      );
      const inventories = await muster.admin<{ total: number }>('GET', `/api/v1/systems/${system.id}/inventory`);
      assert.equal(inventories.total, 1, 'the unchanged inventory stored once');
      // Beneath the API, which shows one point per time: each report stored once, even the one
      // stored before the kill and sent again (Muster keeps one sample row per system and timestamp).
      assert.deepEqual(await muster.stopAndCountSampleRows(system.id), { rows: metricsSpooled, times: metricsSpooled }, 'no sample row stored twice');
    });
  });
}
