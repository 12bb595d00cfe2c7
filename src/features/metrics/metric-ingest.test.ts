import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../../clock/clock.ts';
import { createMetricIngest } from './metric-ingest.ts';
import { partitionOf } from './metric-partitions.ts';
import { sampleSet } from './metric-samples.ts';
import type { NewLayout, SampleRow } from './metrics-store.ts';

function fakeStore(options: { racedOnce?: boolean; failInsert?: boolean } = {}) {
  const calls = { layouts: [] as NewLayout[][], inserts: [] as SampleRow[][], partitions: [] as string[] };
  let raced = options.racedOnce ?? false;
  return {
    calls,
    store: {
      partitionOf,
      ensurePartition: async (partition: { name: string }) => {
        calls.partitions.push(partition.name);
      },
      layouts: async (layouts: readonly NewLayout[]) => {
        calls.layouts.push([...layouts]);
        // Another node's insert committed while this statement ran: not seen the first time.
        if (raced) {
          raced = false;
          return new Map<string, string>();
        }
        return new Map(layouts.map((layout) => [`${layout.systemId}/${layout.hash}`, '7']));
      },
      insertSamples: async (rows: readonly SampleRow[]) => {
        if (options.failInsert) throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
        calls.inserts.push([...rows]);
      },
    },
  };
}

const system = { id: '00000000-0000-4000-8000-000000000001', organizationId: '00000000-0000-4000-8000-000000000002' };
const options = {
  clock: new ManualClock('2026-07-01T00:00:00Z'),
  logger: pino({ level: 'silent' }),
  maxBatchSize: 100,
  maxPending: 2,
  maxConcurrentWrites: 1,
  layoutCacheSize: 10,
};

describe('metric ingest', () => {
  it('writes what arrives together in one statement, with one layout lookup, and remembers the layout', async () => {
    const { store, calls } = fakeStore();
    const ingest = createMetricIngest({ ...options, store, maxPending: 10 });
    const set = sampleSet({ cpu: { percent: 1 }, memory: { percent: 2 } });
    await Promise.all([ingest.submit(system, new Date('2026-07-01T00:00:00Z'), set), ingest.submit(system, new Date('2026-07-01T00:00:01Z'), set)]);
    assert.equal(calls.inserts.length, 1);
    assert.deepEqual(
      calls.inserts[0]!.map((row) => [row.layoutId, row.values]),
      [
        ['7', [1, 2]],
        ['7', [1, 2]],
      ],
    );
    await ingest.submit(system, new Date('2026-07-01T00:01:00Z'), set);
    assert.equal(calls.layouts.length, 1, 'the layout id is remembered');
    assert.deepEqual(calls.partitions, ['metric_samples_p20260701']);
  });

  it('reads a layout again when another node inserted it during the statement', async () => {
    const { store, calls } = fakeStore({ racedOnce: true });
    const ingest = createMetricIngest({ ...options, store });
    await ingest.submit(system, new Date('2026-07-01T00:00:00Z'), sampleSet({ cpu: { percent: 1 } }));
    assert.equal(calls.layouts.length, 2);
    assert.equal(calls.inserts[0]![0]!.layoutId, '7');
  });

  it('answers 503 when the samples cannot be stored, and beyond maxPending at once', async () => {
    const { store } = fakeStore({ failInsert: true });
    const ingest = createMetricIngest({ ...options, store });
    const set = sampleSet({ cpu: { percent: 1 } });
    const submitted = [0, 1, 2].map((i) => ingest.submit(system, new Date(`2026-07-01T00:00:0${i}Z`), set));
    const outcomes = await Promise.allSettled(submitted);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as { statusCode: number }).statusCode : 200)),
      [503, 503, 503],
    );
    assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /too many metric samples waiting/);
  });
});
