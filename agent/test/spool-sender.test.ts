import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createCredentialsGate } from '../src/credentials-gate.ts';
import type { Logger } from '../src/log.ts';
import type { MusterClient, Outcome } from '../src/muster-client.ts';
import { openSpool, type Spool } from '../src/spool.ts';
import { createSpoolSender } from '../src/spool-sender.ts';
import { statusFile } from '../src/status-file.ts';

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** A client answering the outcomes given, in turn, and recording each body posted. */
function scriptedClient(outcomes: Outcome[]): MusterClient & { posted: unknown[] } {
  const posted: unknown[] = [];
  return {
    posted,
    post: (_path, body) => {
      posted.push(body);
      return Promise.resolve({ outcome: outcomes.shift() ?? { kind: 'ok', status: 200, body: {} }, jsonBytes: 0, wireBytes: 0 });
    },
    get: () => Promise.reject(new Error('not used')),
  };
}

describe('the spool sender', () => {
  let dir: string;
  let spool: Spool;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'muster-agent-sender-'));
    spool = await openSpool(path.join(dir, 'spool'), 1024 * 1024);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const sender = (client: MusterClient, gate = createCredentialsGate()) =>
    createSpoolSender({ spool, client: () => client, gate, status: statusFile(dir), log: quiet, retryMaxMs: 4000, random: () => 0.5 });

  it('sends in order and keeps the record Muster could not take, with the wait Retry-After asks for', async () => {
    for (const n of [1, 2, 3]) await spool.append('metrics', { n });
    const client = scriptedClient([
      { kind: 'ok', status: 200, body: {} },
      { kind: 'retry', reason: '503', retryAfterMs: 7000 },
    ]);
    assert.equal(await sender(client).pass(), 'retry-later');
    assert.deepEqual(client.posted, [{ n: 1 }, { n: 2 }]);
    assert.deepEqual((await spool.oldest())?.body, { n: 2 }, 'the refused record is still first');
    assert.equal(await sender(client).pass(), 'empty');
    assert.deepEqual(client.posted, [{ n: 1 }, { n: 2 }, { n: 2 }, { n: 3 }]);
  });

  it('sets aside a record refused with another 4xx and goes on; a 401 closes the gate and keeps the record', async () => {
    for (const n of [1, 2, 3]) await spool.append('inventory', { n });
    const gate = createCredentialsGate();
    const client = scriptedClient([
      { kind: 'rejected', status: 400, reason: 'bad' },
      { kind: 'unauthorized', reason: '401' },
    ]);
    assert.equal(await sender(client, gate).pass(), 'refused');
    assert.equal(gate.refusal, '401');
    assert.deepEqual((await spool.oldest())?.body, { n: 2 });
    assert.equal((await statusFile(dir).read()).rejectedRecords, 1);
    assert.equal(await sender(client, gate).pass(), 'refused', 'nothing is sent while refused');
    assert.equal(client.posted.length, 2);
  });

  it('backs off exponentially, capped, never sooner than Retry-After', async () => {
    await spool.append('metrics', { n: 1 });
    const waits: number[] = [];
    const client = scriptedClient(Array.from({ length: 5 }, () => ({ kind: 'retry', reason: 'down', retryAfterMs: undefined })));
    const logged: Logger = { ...quiet, warn: (_msg, fields) => void waits.push(fields!.retry_in_ms as number) };
    const loop = createSpoolSender({
      spool,
      client: () => client,
      gate: createCredentialsGate(),
      status: statusFile(dir),
      log: logged,
      retryMaxMs: 4000,
      random: () => 0.5,
    });
    const running = loop.loop();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    loop.stop();
    await running;
    // Half of each wait is random (0.5 here): 1 s → 0.75 s, 2 s → 1.5 s, 4 s → 3 s, capped at 4 s.
    assert.deepEqual(waits.slice(0, 3), [750, 1500, 3000]);
  });
});
