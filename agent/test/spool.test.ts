import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openSpool } from '../src/spool.ts';

describe('the spool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'muster-agent-spool-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives records back oldest first, across a reopen (a restart), and forgets a record only when removed', async () => {
    const spool = await openSpool(dir, 1024 * 1024);
    const seqs = [];
    for (let i = 0; i < 5; i++) seqs.push((await spool.append(i % 2 ? 'inventory' : 'metrics', { n: i })).seq);
    assert.deepEqual([...seqs].sort(), seqs, 'sequence numbers grow');

    const reopened = await openSpool(dir, 1024 * 1024);
    const first = await reopened.oldest();
    assert.deepEqual(first?.body, { n: 0 });
    assert.equal(first?.kind, 'metrics');
    assert.deepEqual((await reopened.oldest())?.body, { n: 0 }, 'still there until removed');
    await reopened.remove(first.seq);
    const next = await reopened.append('metrics', { n: 5 });
    assert.ok(next.seq > seqs.at(-1)!, 'a record spooled after a restart goes after those already there');
    const bodies = [];
    for (let record = await reopened.oldest(); record; record = await reopened.oldest()) {
      bodies.push(record.body);
      await reopened.remove(record.seq);
    }
    assert.deepEqual(
      bodies,
      [1, 2, 3, 4, 5].map((n) => ({ n })),
    );
    assert.deepEqual(await reopened.size(), { records: 0, bytes: 0 });
  });

  it('is bounded by bytes: the oldest records are dropped first and counted, never the one in flight', async () => {
    const spool = await openSpool(dir, 64 * 1024);
    const big = 'x'.repeat(10 * 1024);
    let dropped = 0;
    for (let i = 0; i < 4; i++) dropped += (await spool.append('metrics', { n: i, big })).dropped;
    assert.equal(dropped, 0);
    const inFlight = await spool.oldest();
    for (let i = 4; i < 10; i++) dropped += (await spool.append('metrics', { n: i, big })).dropped;
    assert.ok(dropped >= 4, `dropped ${dropped}`);
    const { bytes, records } = await spool.size();
    assert.ok(bytes <= 64 * 1024, `${bytes} bytes`);
    assert.equal(records, 10 - dropped);
    assert.deepEqual((await spool.oldest())?.body, inFlight!.body, 'the record in flight stays');
  });

  it('sets a refused record aside, and moves a damaged file out of the way, so that neither blocks the queue', async () => {
    const spool = await openSpool(dir, 1024 * 1024);
    const refused = await spool.append('inventory', { n: 1 });
    await spool.append('inventory', { n: 2 });
    await writeFile(path.join(dir, '0000000000000001.json'), '{"kind": "metr');
    await spool.setAside(refused.seq);
    assert.deepEqual((await spool.oldest())?.body, { n: 2 });
    assert.deepEqual((await readdir(path.join(dir, 'rejected'))).sort(), ['0000000000000001.json', `${refused.seq}.json`]);
  });
});
