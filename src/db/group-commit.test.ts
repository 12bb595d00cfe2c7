import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createGroupCommit } from './group-commit.ts';

const tick = async () => {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
};

/** A queue of numbers written one batch per call, each write finishing when the test says so. */
function harness(maxConcurrentWrites: number) {
  let waiting: number[] = [];
  const writes: { batch: number[]; finish: () => void }[] = [];
  const answered: number[][] = [];
  const commits = createGroupCommit({
    maxConcurrentWrites,
    hasWaiting: () => waiting.length > 0,
    takeBatch: () => {
      const batch = waiting;
      waiting = [];
      return batch;
    },
    write: (batch) => new Promise((resolve) => writes.push({ batch, finish: () => resolve(() => answered.push(batch)) })),
  });
  const add = (...items: number[]) => {
    waiting.push(...items);
    commits.schedule();
  };
  return { commits, writes, answered, add };
}

describe('group commit scheduling', () => {
  it('writes up to maxConcurrentWrites batches at once; what arrives meanwhile waits and goes together', async () => {
    const h = harness(2);
    h.add(1);
    await tick();
    h.add(2);
    await tick();
    h.add(3);
    h.add(4);
    await tick();
    assert.deepEqual(
      h.writes.map((write) => write.batch),
      [[1], [2]],
      'two writes in flight, the third batch waits',
    );
    h.writes[0]!.finish();
    await tick();
    assert.deepEqual(h.writes[2]!.batch, [3, 4], 'what waited goes out as one batch once a write is done');
    assert.deepEqual(h.answered, [[1]]);
  });

  it('drain resolves only when everything added has been written and answered', async () => {
    const h = harness(1);
    h.add(1);
    await tick();
    h.add(2);
    let drained = false;
    const drain = h.commits.drain().then(() => (drained = true));
    h.writes[0]!.finish();
    await tick();
    assert.equal(drained, false, 'the second batch is still being written');
    h.writes[1]!.finish();
    await drain;
    assert.deepEqual(h.answered, [[1], [2]]);
    await h.commits.drain();
  });
});
