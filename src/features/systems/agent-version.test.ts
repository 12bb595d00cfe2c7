import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureLogs } from '../../../test/helpers/log-capture.ts';
import { ManualClock } from '../../clock/clock.ts';
import { agentVersionOf } from './agent-version.ts';
import { createAgentVersionRecorder } from './agent-version-recorder.ts';
import type { AuthenticatedSystem } from './system-authenticator.ts';

describe('agent version in a User-Agent', () => {
  it('takes a semver-like version after muster-agent/, and nothing else', () => {
    assert.equal(agentVersionOf('muster-agent/1.2.3 (linux; x64)'), '1.2.3');
    assert.equal(agentVersionOf('muster-agent/1.2.3'), '1.2.3');
    assert.equal(agentVersionOf('muster-agent/0.9 (linux; arm64)'), '0.9');
    assert.equal(agentVersionOf('muster-agent/2.0.0-rc.1+g1a2b3c (linux; x64)'), '2.0.0-rc.1+g1a2b3c');
    for (const other of [
      undefined,
      '',
      'curl/8.0',
      'python-requests/2.31.0',
      'Muster-Agent/1.2.3',
      'muster-agent/',
      'muster-agent/<script>',
      'muster-agent/1',
      'muster-agent/v1.2.3',
      'muster-agent/1.2.3(linux)',
      'muster-agent/1.2.3\u0000',
      'muster-agent/1.2.3-ré',
      `muster-agent/1.2.3-${'a'.repeat(60)}`,
      'muster-agent/1234567890.1.2',
      'x muster-agent/1.2.3',
    ]) {
      assert.equal(agentVersionOf(other), undefined, String(other));
    }
    assert.equal(agentVersionOf(`muster-agent/1.2.3-${'a'.repeat(58)}`)?.length, 64, 'up to 64 characters');
  });
});

describe('agent version recorder', () => {
  function setUp(fail = false) {
    const writes: { id: string; version: string }[] = [];
    let failing = fail;
    const { logger, lines } = captureLogs('warn');
    const recorder = createAgentVersionRecorder({
      store: {
        setAgentVersion: (id, version) => {
          writes.push({ id, version });
          return failing ? Promise.reject(new Error('connection terminated unexpectedly')) : Promise.resolve();
        },
      },
      clock: new ManualClock('2026-12-01T00:00:00.000Z'),
      logger,
    });
    const system: AuthenticatedSystem = { id: 'system-1', organizationId: 'organization-1', systemKey: 'NETH-…', agentVersion: null };
    return { recorder, system, writes, lines, heal: () => (failing = false) };
  }

  it('writes a version once, not for each request that repeats it, and again when it changes', async () => {
    const { recorder, system, writes } = setUp();
    recorder.note(system, 'muster-agent/1.2.3 (linux; x64)');
    // Requests arriving while the write is in flight do not start another.
    recorder.note(system, 'muster-agent/1.2.3 (linux; x64)');
    await recorder.drain();
    assert.equal(system.agentVersion, '1.2.3', 'known once written');
    for (let request = 0; request < 100; request++) recorder.note(system, 'muster-agent/1.2.3 (linux; x64)');
    recorder.note(system, 'curl/8.0');
    recorder.note(system, undefined);
    await recorder.drain();
    assert.deepEqual(writes, [{ id: 'system-1', version: '1.2.3' }]);
    recorder.note(system, 'muster-agent/1.3.0 (linux; x64)');
    await recorder.drain();
    assert.deepEqual(writes.at(-1), { id: 'system-1', version: '1.3.0' });
    assert.equal(writes.length, 2);
  });

  it('needs no write for the version the credentials were read with', async () => {
    const { recorder, system, writes } = setUp();
    system.agentVersion = '1.2.3';
    recorder.note(system, 'muster-agent/1.2.3 (linux; x64)');
    await recorder.drain();
    assert.deepEqual(writes, []);
  });

  it('logs a failed write, keeps what it knew, and tries again at the next request', async () => {
    const { recorder, system, writes, lines, heal } = setUp(true);
    recorder.note(system, 'muster-agent/1.2.3 (linux; x64)');
    await recorder.drain();
    assert.equal(system.agentVersion, null);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /could not record the agent version/);
    assert.match(lines[0]!, /"systemId":"system-1"/);
    heal();
    recorder.note(system, 'muster-agent/1.2.3 (linux; x64)');
    await recorder.drain();
    assert.equal(system.agentVersion, '1.2.3');
    assert.equal(writes.length, 2);
  });
});
