import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../../test/helpers/eventually.ts';
import { databaseKinds } from '../../test/helpers/test-databases.ts';
import agentPackage from '../package.json' with { type: 'json' };
import { agentStatus, ensureBuiltAgent, makeAgentHome, runAgentCommand, startAgent, type AgentHome, type RunningAgent } from './helpers/built-agent.ts';
import { FIXTURE } from './helpers/fixture.ts';
import { rawPoints, startMusterForAgents, type MusterForAgents } from './helpers/muster-for-agents.ts';

interface System {
  id: string;
  system_secret: string;
  status: string;
}

for (const kind of databaseKinds()) {
  describe(`the built agent reporting to a Muster process (${kind})`, () => {
    let muster: MusterForAgents;
    const homes: AgentHome[] = [];
    const agents: RunningAgent[] = [];
    before(async () => {
      const [, started] = await Promise.all([ensureBuiltAgent(), startMusterForAgents(kind)]);
      muster = started;
    });
    after(async () => {
      for (const agent of agents) if (agent.child.exitCode === null) agent.child.kill('SIGKILL');
      await muster?.dispose();
      for (const home of homes) await home.dispose();
    });

    async function registeredAgent(name: string): Promise<{ system: System; home: AgentHome }> {
      const system = await muster.admin<System>('POST', '/api/v1/systems', { name });
      const home = await makeAgentHome();
      homes.push(home);
      await home.writeFixture(FIXTURE);
      const registered = await runAgentCommand(home, ['register', '--url', muster.url, '--secret', system.system_secret]);
      assert.equal(registered.code, 0, registered.stderr);
      assert.match(registered.stdout, /registered as NETH-/);
      return { system, home };
    }

    it('registers, turns the system active, sends an inventory and then a changed one with its diff, and metrics', async () => {
      const { system, home } = await registeredAgent(`agent-reports-${kind}`);
      const config = JSON.parse(await readFile(home.config, 'utf8')) as Record<string, string>;
      assert.equal(config.system_secret, system.system_secret);
      assert.equal((await stat(home.config)).mode & 0o777, 0o600, 'the config file is readable by its owner only');

      const agent = startAgent(home);
      agents.push(agent);
      const active = await eventually(async () => {
        const current = await muster.admin<System & { agent_version: string | null }>('GET', `/api/v1/systems/${system.id}`);
        return current.status === 'active' && current;
      }, 'the system to turn active');
      assert.equal(active.agent_version, agentPackage.version, 'Muster records the version from the User-Agent');
      await eventually(async () => (await muster.admin<{ total: number }>('GET', `/api/v1/systems/${system.id}/inventory`)).total === 1, 'the first inventory');

      const changed = structuredClone(FIXTURE);
      changed.inventory.os.version = '9.4';
      changed.inventory.services = { ...changed.inventory.services, redis: { status: 'running', active: 'active' } } as typeof changed.inventory.services;
      await home.writeFixture(changed);
      const diffs = await eventually(async () => {
        const answer = await muster.admin<{ items: { field_path: string; diff_type: string; previous_value: unknown; current_value: unknown }[] }>(
          'GET',
          `/api/v1/systems/${system.id}/inventory/diffs`,
        );
        return answer.items.length >= 2 && answer.items;
      }, 'the changed inventory diffed');
      const osVersion = diffs.find((diff) => diff.field_path === 'os.version');
      assert.equal(osVersion?.diff_type, 'update');
      assert.equal(osVersion?.previous_value, '9.3');
      assert.equal(osVersion?.current_value, '9.4');
      assert.ok(
        diffs.some((diff) => diff.field_path.startsWith('services.redis') && diff.diff_type === 'create'),
        JSON.stringify(diffs.map((diff) => diff.field_path)),
      );
      assert.equal((await muster.admin<{ total: number }>('GET', `/api/v1/systems/${system.id}/inventory`)).total, 2, 'an unchanged machine sends no more');

      const points = await eventually(async () => {
        const found = await rawPoints(muster, system.id, 'cpu.percent');
        return found.length >= 2 && found;
      }, 'metrics stored');
      assert.ok(points.every(([, value]) => value === 12.5));
      assert.equal((await rawPoints(muster, system.id, 'disk.free_gb')).at(-1)?.[1], 150);

      for (const kind of ['inventory', 'metrics']) {
        const sent = agent.lines().find((line) => line.msg === 'record sent' && line.kind === kind)!;
        assert.ok((sent.json_bytes as number) > 1024 && (sent.wire_bytes as number) < (sent.json_bytes as number), `${kind} went gzip-compressed`);
      }
      assert.equal((await rawPoints(muster, system.id, 'container.mem_mb')).length > 0, true, 'containers stored');

      const status = await agentStatus(home);
      assert.deepEqual(Object.keys(status.last_success).sort(), ['heartbeat', 'inventory', 'metrics']);
      agent.child.kill('SIGTERM');
      assert.deepEqual(await agent.exited, { code: 0, signal: null });
      assert.ok(agent.lines().some((line) => line.msg === 'stopped'));
      assert.ok(
        agent.lines().every((line) => !JSON.stringify(line).includes(system.system_secret)),
        'the secret is never logged',
      );
    });

    it('stops sending after a 401 (a regenerated secret), says why, spools meanwhile, and resumes once the new secret is stored', async () => {
      const { system, home } = await registeredAgent(`agent-refused-${kind}`);
      const agent = startAgent(home);
      agents.push(agent);
      await eventually(async () => (await rawPoints(muster, system.id, 'cpu.percent')).length >= 1, 'a first metrics sample');

      const regenerated = await muster.admin<System>('POST', `/api/v1/systems/${system.id}/regenerate-secret`);
      const refusals = () => agent.lines().filter((line) => line.level === 'error' && /refused the credentials \(401\)/.test(line.msg));
      await eventually(() => refusals().length === 1, 'the agent to say the credentials were refused');
      assert.match(refusals()[0]!.msg, /muster-agent register --url URL --secret NEW_SECRET/);
      const refusedAt = agent.lines().length;
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const since = agent.lines().slice(refusedAt);
      assert.equal(refusals().length, 1, 'said once');
      assert.ok(!since.some((line) => line.msg === 'record sent' || /not sent|cannot take/.test(line.msg)), 'no request after the 401');
      assert.ok(since.filter((line) => line.msg === 'record spooled').length >= 2, 'reports are still collected into the spool');
      const refused = await agentStatus(home);
      assert.match(refused.refused?.reason ?? '', /401/);
      assert.ok(refused.spool.records >= 2);

      const stored = await runAgentCommand(home, ['register', '--url', muster.url, '--secret', '-'], `${regenerated.system_secret}\n`);
      assert.equal(stored.code, 0, stored.stderr);
      assert.match(stored.stdout, /registered already: its new secret is stored/);
      await eventually(async () => {
        const status = await agentStatus(home);
        return status.refused === null && status.spool.records === 0;
      }, 'the agent to resume and drain its spool');
      agent.child.kill('SIGTERM');
      await agent.exited;
      const spooled = agent.lines().filter((line) => line.msg === 'record spooled' && line.kind === 'metrics').length;
      const left = (await agentStatus(home)).spool.records;
      assert.equal((await rawPoints(muster, system.id, 'cpu.percent')).length, spooled - left, 'every sample spooled and sent is stored, once');
    });
  });
}
