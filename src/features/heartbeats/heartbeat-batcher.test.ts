import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../errors/errors.ts';
import { createLogger } from '../../logging/logger.ts';
import type { Heartbeat } from '../liveness/index.ts';
import { createHeartbeatBatcher, type HeartbeatWriter } from './heartbeat-batcher.ts';

const logger = createLogger('silent');

/** A writer whose statements finish only when the test says so. */
function controlledWriter() {
  const calls: { beats: Heartbeat[]; finish: (leftOut?: Set<string>) => void; fail: (error: Error) => void }[] = [];
  const write: HeartbeatWriter = (beats) =>
    new Promise((resolve, reject) => {
      calls.push({ beats, finish: (leftOut) => resolve(leftOut ?? new Set()), fail: reject });
    });
  return { calls, write };
}

/** Lets the batcher's next event-loop turn (where it starts writes) run. */
const tick = async () => {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
};

describe('heartbeat batcher (group commit)', () => {
  it('writes what arrived in one event-loop turn together, and gathers the rest while it writes', async () => {
    const writer = controlledWriter();
    const batcher = createHeartbeatBatcher({ write: writer.write, maxBatchSize: 100, maxPending: 1000, maxConcurrentWrites: 1, logger });
    const settled: string[] = [];
    const first = batcher.submit('a', new Date(1)).then(() => settled.push('a'));
    await tick();
    const rest = ['b', 'c', 'd'].map((id) => batcher.submit(id, new Date(2)).then(() => settled.push(id)));
    await tick();
    assert.equal(writer.calls.length, 1);
    assert.deepEqual(
      writer.calls[0]!.beats.map((beat) => beat.systemId),
      ['a'],
    );
    assert.deepEqual(settled, [], 'nothing is acknowledged before its statement commits');

    writer.calls[0]!.finish();
    await first;
    await tick();
    assert.equal(writer.calls.length, 2);
    assert.deepEqual(
      writer.calls[1]!.beats.map((beat) => beat.systemId),
      ['b', 'c', 'd'],
    );
    assert.deepEqual(settled, ['a']);
    writer.calls[1]!.finish();
    await Promise.all(rest);
    assert.deepEqual(settled.sort(), ['a', 'b', 'c', 'd']);
  });

  it('writes several heartbeats of one system once, with the latest time, and answers each', async () => {
    const writer = controlledWriter();
    const batcher = createHeartbeatBatcher({ write: writer.write, maxBatchSize: 100, maxPending: 1000, maxConcurrentWrites: 1, logger });
    const blocker = batcher.submit('x', new Date(0));
    await tick();
    const beats = [3, 9, 5].map((time) => batcher.submit('a', new Date(time)));
    await tick();
    writer.calls[0]!.finish();
    await blocker;
    await tick();
    assert.deepEqual(writer.calls[1]!.beats, [{ systemId: 'a', at: new Date(9) }]);
    writer.calls[1]!.finish();
    assert.deepEqual(await Promise.all(beats), [true, true, true]);
  });

  it('sends the next batch to the database before answering the one just committed', async () => {
    const writer = controlledWriter();
    const batcher = createHeartbeatBatcher({ write: writer.write, maxBatchSize: 100, maxPending: 1000, maxConcurrentWrites: 1, logger });
    const statementsWhenAnswered = batcher.submit('a', new Date(1)).then(() => writer.calls.length);
    await tick();
    const second = batcher.submit('b', new Date(2));
    await tick();
    assert.equal(writer.calls.length, 1);
    writer.calls[0]!.finish();
    assert.equal(await statementsWhenAnswered, 2, "b's statement was already on its way when a was answered");
    writer.calls[1]!.finish();
    assert.equal(await second, true);
    await batcher.drain();
  });

  it('splits batches at maxBatchSize and reports systems the statement did not store', async () => {
    const writer = controlledWriter();
    const batcher = createHeartbeatBatcher({ write: writer.write, maxBatchSize: 2, maxPending: 1000, maxConcurrentWrites: 1, logger });
    const results = ['a', 'b', 'c'].map((id) => batcher.submit(id, new Date(1)));
    await tick();
    assert.deepEqual(
      writer.calls[0]!.beats.map((beat) => beat.systemId),
      ['a', 'b'],
    );
    writer.calls[0]!.finish(new Set(['b']));
    await tick();
    assert.deepEqual(
      writer.calls[1]!.beats.map((beat) => beat.systemId),
      ['c'],
    );
    writer.calls[1]!.finish();
    assert.deepEqual(await Promise.all(results), [true, false, true]);
  });

  it('reports each committed batch: heartbeats written and requests acknowledged', async () => {
    const writer = controlledWriter();
    const reports: { size: number; acknowledged: number }[] = [];
    const batcher = createHeartbeatBatcher({
      write: writer.write,
      maxBatchSize: 100,
      maxPending: 1000,
      maxConcurrentWrites: 1,
      logger,
      onBatchWritten: (size, _seconds, acknowledged) => reports.push({ size, acknowledged }),
    });
    // Two requests of one system are one write and two acknowledgements; c is left out.
    const results = ['a', 'a', 'b', 'c'].map((id) => batcher.submit(id, new Date(1)));
    await tick();
    writer.calls[0]!.finish(new Set(['c']));
    assert.deepEqual(await Promise.all(results), [true, true, true, false]);
    assert.deepEqual(reports, [{ size: 3, acknowledged: 3 }]);
  });

  it('rejects the whole batch with a 503 when the statement fails, and keeps going afterwards', async () => {
    const writer = controlledWriter();
    const batcher = createHeartbeatBatcher({ write: writer.write, maxBatchSize: 100, maxPending: 1000, maxConcurrentWrites: 1, logger });
    const failed = batcher.submit('a', new Date(1));
    await tick();
    writer.calls[0]!.fail(new Error('connection lost'));
    await assert.rejects(failed, (error: unknown) => error instanceof AppError && error.statusCode === 503 && error.retryAfterSeconds !== undefined);
    const next = batcher.submit('a', new Date(2));
    await tick();
    writer.calls[1]!.finish();
    assert.equal(await next, true);
    assert.equal(batcher.pendingCount, 0);
  });

  it('refuses with 503 beyond maxPending instead of queueing without bound', async () => {
    const writer = controlledWriter();
    const batcher = createHeartbeatBatcher({ write: writer.write, maxBatchSize: 100, maxPending: 2, maxConcurrentWrites: 1, logger });
    const accepted = [batcher.submit('a', new Date(1)), batcher.submit('b', new Date(1))];
    await assert.rejects(batcher.submit('c', new Date(1)), (error: unknown) => error instanceof AppError && error.statusCode === 503);
    await tick();
    writer.calls[0]!.finish();
    await Promise.all(accepted);
    const later = batcher.submit('c', new Date(2));
    await tick();
    writer.calls[1]!.finish();
    assert.equal(await later, true, 'accepted again once the backlog is written');
  });

  it('drain() resolves once every submitted heartbeat is written', async () => {
    const writer = controlledWriter();
    const batcher = createHeartbeatBatcher({ write: writer.write, maxBatchSize: 100, maxPending: 1000, maxConcurrentWrites: 2, logger });
    const submitted: Promise<boolean>[] = [];
    for (const id of ['a', 'b', 'c']) {
      submitted.push(batcher.submit(id, new Date(1)));
      await tick();
    }
    let drained = false;
    const drain = batcher.drain().then(() => (drained = true));
    await tick();
    assert.equal(writer.calls.length, 2, 'two statements in flight at most');
    writer.calls[0]!.finish();
    await tick();
    assert.equal(drained, false);
    assert.deepEqual(
      writer.calls[2]!.beats.map((beat) => beat.systemId),
      ['c'],
    );
    writer.calls[1]!.finish();
    writer.calls[2]!.finish();
    await Promise.all(submitted);
    await drain;
    assert.equal(drained, true);
  });
});
