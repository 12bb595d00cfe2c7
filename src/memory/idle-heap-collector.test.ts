import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createIdleHeapCollector, fullGarbageCollection, HEAP_GROWTH_BYTES, utilizationSinceLastReading } from './idle-heap-collector.ts';

const MiB = 1024 * 1024;

function fake(start: { heap: number; utilization: number }) {
  const state = { ...start, collections: 0 };
  const collector = createIdleHeapCollector({
    collect: () => {
      state.collections++;
      state.heap = 100 * MiB;
    },
    heapUsed: () => state.heap,
    utilization: () => state.utilization,
  });
  return { state, collector };
}

describe('idle heap collector', () => {
  it('collects once the process is idle and its heap grew well beyond what the last collection left', () => {
    const { state, collector } = fake({ heap: 100 * MiB, utilization: 0 });
    assert.equal(collector.check(), false, 'nothing grew');
    state.heap = 100 * MiB + HEAP_GROWTH_BYTES + 1;
    state.utilization = 0.6;
    assert.equal(collector.check(), false, 'never under load');
    state.utilization = 0.01;
    assert.equal(collector.check(), true);
    assert.equal(state.collections, 1);
    assert.equal(collector.check(), false, 'once: the heap is back');
  });

  it('does not collect for growth below the threshold', () => {
    const { state, collector } = fake({ heap: 100 * MiB, utilization: 0 });
    state.heap = 100 * MiB + HEAP_GROWTH_BYTES / 2;
    assert.equal(collector.check(), false);
    assert.equal(state.collections, 0);
  });

  it('reaches V8 for real: garbage is collected, the heap handed back, and utilization is read', () => {
    const collect = fullGarbageCollection();
    const makeGarbage = () => Array.from({ length: 2_000_000 }, (_, index) => ({ index, text: `value-${index}` })).length;
    assert.equal(makeGarbage(), 2_000_000);
    const before = process.memoryUsage();
    collect();
    const after = process.memoryUsage();
    assert.ok(after.heapUsed < before.heapUsed, 'the heap shrank');
    assert.ok(
      after.heapTotal - after.heapUsed < 16 * MiB,
      `V8 keeps little more than it uses: ${Math.round(after.heapTotal / MiB)} MiB committed, ${Math.round(after.heapUsed / MiB)} MiB used (before: ${Math.round(before.heapTotal / MiB)} MiB)`,
    );
    const utilization = utilizationSinceLastReading()();
    assert.ok(utilization >= 0 && utilization <= 1);
  });
});
