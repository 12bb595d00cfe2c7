import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, BadRequestError } from '../../errors/errors.ts';
import { createLogger } from '../../logging/logger.ts';
import { createInventoryIngestBatcher, type UploadBatchWriter } from './inventory-ingest-batcher.ts';
import type { NewUpload, StoredUpload } from './inventory-store.ts';

const logger = createLogger('silent');

/** A writer whose transactions commit only when the test says so. */
function controlledWriter() {
  const calls: { uploads: NewUpload[]; commit: (results?: (StoredUpload | Error)[]) => void; fail: (error: Error) => void }[] = [];
  const write: UploadBatchWriter = (uploads) =>
    new Promise((resolve, reject) => {
      calls.push({ uploads, commit: (results) => resolve(results ?? uploads.map((upload) => stored(`before-${upload.hash}`))), fail: reject });
    });
  return { calls, write };
}

const stored = (previousHash: string | null): StoredUpload => ({ previousHash, receivedAt: new Date(0) });

const upload = (hash: string, size = 100): NewUpload => ({ id: hash, systemId: 'system', receivedAt: new Date(0), hash, size, json: '{}' });

const tick = async () => {
  for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
};

const options = { maxBatchSize: 100, maxBatchBytes: 1_000_000, maxPending: 1000, maxConcurrentWrites: 1, logger };

describe('inventory ingest batcher (group commit)', () => {
  it('writes the next batch before answering the one just committed', async () => {
    const writer = controlledWriter();
    const batcher = createInventoryIngestBatcher({ ...options, write: writer.write });
    const order: string[] = [];
    const first = batcher.submit(upload('a')).then(() => order.push(`answered a (writes started: ${writer.calls.length})`));
    await tick();
    const second = batcher.submit(upload('b')).then(() => order.push('answered b'));
    writer.calls[0]!.commit();
    await first;
    assert.deepEqual(order, ['answered a (writes started: 2)']);
    writer.calls[1]!.commit();
    await second;
    await batcher.drain();
  });

  it('stores what arrived together in one transaction, answering each only after that commit', async () => {
    const writer = controlledWriter();
    const batcher = createInventoryIngestBatcher({ ...options, write: writer.write });
    const settled: string[] = [];
    const first = batcher.submit(upload('a')).then((answer) => settled.push(`a:${answer.previousHash}`));
    await tick();
    const rest = ['b', 'c', 'd'].map((hash) => batcher.submit(upload(hash)).then((answer) => settled.push(`${hash}:${answer.previousHash}`)));
    await tick();
    assert.equal(writer.calls.length, 1, 'one transaction in flight at a time');
    assert.deepEqual(settled, [], 'nothing is acknowledged before its transaction commits');

    writer.calls[0]!.commit();
    await first;
    await tick();
    assert.deepEqual(settled, ['a:before-a']);
    assert.deepEqual(
      writer.calls[1]!.uploads.map((entry) => entry.hash),
      ['b', 'c', 'd'],
      'the rest gathered in one batch, in order',
    );
    writer.calls[1]!.commit();
    await Promise.all(rest);
    assert.deepEqual(settled, ['a:before-a', 'b:before-b', 'c:before-c', 'd:before-d']);
    await batcher.drain();
  });

  it('answers 503 with Retry-After to every request of a batch that could not be committed', async () => {
    const writer = controlledWriter();
    const batcher = createInventoryIngestBatcher({ ...options, write: writer.write });
    const answers = ['a', 'b', 'c'].map((hash) =>
      batcher.submit(upload(hash)).then(
        () => 'stored',
        (error: unknown) => error,
      ),
    );
    await tick();
    writer.calls[0]!.fail(new Error('connection terminated unexpectedly'));
    for (const answer of await Promise.all(answers)) {
      assert.ok(answer instanceof AppError);
      assert.equal(answer.statusCode, 503);
      assert.ok((answer.retryAfterSeconds ?? 0) > 0);
    }
    assert.equal(batcher.pendingCount, 0);
  });

  it('answers the error the writer gives for one inventory to that request alone', async () => {
    const writer = controlledWriter();
    const batcher = createInventoryIngestBatcher({ ...options, write: writer.write });
    const answers = ['a', 'b'].map((hash) =>
      batcher.submit(upload(hash)).then(
        (answer) => answer.previousHash,
        (error: unknown) => error,
      ),
    );
    await tick();
    writer.calls[0]!.commit([new BadRequestError('invalid inventory data'), stored(null)]);
    const [bad, good] = await Promise.all(answers);
    assert.ok(bad instanceof BadRequestError);
    assert.equal(good, null);
  });

  it('closes a batch at its size limit or before an inventory would take it beyond its byte limit; a single larger inventory goes alone', async () => {
    const writer = controlledWriter();
    const batcher = createInventoryIngestBatcher({ ...options, maxBatchSize: 2, maxBatchBytes: 1000, maxConcurrentWrites: 8, write: writer.write });
    const all = [upload('a'), upload('b'), upload('c'), upload('big', 5000), upload('d', 600), upload('e', 400), upload('f', 600), upload('g', 600)].map(
      (entry) => batcher.submit(entry),
    );
    await tick();
    assert.deepEqual(
      writer.calls.map((call) => call.uploads.map((entry) => entry.hash)),
      [['a', 'b'], ['c'], ['big'], ['d', 'e'], ['f'], ['g']],
    );
    for (const call of writer.calls) call.commit();
    await Promise.all(all);
  });

  it('refuses with 503 beyond the pending limit instead of queueing without bound', async () => {
    const writer = controlledWriter();
    const batcher = createInventoryIngestBatcher({ ...options, maxPending: 2, write: writer.write });
    const accepted = [batcher.submit(upload('a')), batcher.submit(upload('b'))];
    await assert.rejects(batcher.submit(upload('c')), (error: AppError) => error.statusCode === 503 && error.retryAfterSeconds === 1);
    await tick();
    writer.calls[0]!.commit();
    await Promise.all(accepted);
    assert.equal(batcher.pendingCount, 0, 'room again once they are stored');
  });

  it('drains: resolves once every submitted inventory has been written', async () => {
    const writer = controlledWriter();
    const batcher = createInventoryIngestBatcher({ ...options, write: writer.write });
    const submitted = batcher.submit(upload('a'));
    let drained = false;
    const drain = batcher.drain().then(() => (drained = true));
    await tick();
    assert.equal(drained, false);
    writer.calls[0]!.commit();
    await Promise.all([submitted, drain]);
    assert.equal(drained, true);
  });
});
