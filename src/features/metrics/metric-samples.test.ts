import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleSet } from './metric-samples.ts';

describe('sampleSet', () => {
  const disks = (a: number, b: number) => [
    { mountpoint: '/var', percent: a },
    { mountpoint: '/', percent: b },
  ];

  it('orders the series by key, whatever order they were read in, with each value beside its series', () => {
    const one = sampleSet({ cpu: { percent: 1 }, disks: disks(10, 20) });
    const other = sampleSet({ disks: [...disks(30, 40)].reverse(), cpu: { percent: 2 } });
    assert.equal(one.layoutKey, other.layoutKey);
    assert.deepEqual(
      one.series.map((series) => [series.name, series.labels.mountpoint]),
      [
        ['cpu.percent', undefined],
        ['disk.percent', '/'],
        ['disk.percent', '/var'],
      ],
    );
    assert.deepEqual(one.values, [1, 20, 10]);
    assert.deepEqual(other.values, [2, 40, 30]);
  });

  it('takes each report’s own values when its shape was seen before, and a new shape its own layout', () => {
    const first = sampleSet({ memory: { percent: 50 }, disks: disks(1, 2) });
    const again = sampleSet({ memory: { percent: 60 }, disks: disks(3, 4) });
    assert.equal(again.series, first.series, 'one shape, one shared series list');
    assert.deepEqual(again.values, [4, 3, 60]);
    const fewer = sampleSet({ memory: { percent: 70 }, disks: [{ mountpoint: '/', percent: 5 }] });
    assert.notEqual(fewer.layoutKey, first.layoutKey);
    assert.deepEqual(fewer.values, [5, 70]);
  });

  it('leaves out values that are not finite numbers, and a series read twice keeps its first value', () => {
    const set = sampleSet({
      cpu: { percent: Number.NaN, cores: 4 },
      disks: [
        { mountpoint: '/', percent: 1 },
        { mountpoint: '/', percent: 2 },
      ],
    });
    assert.deepEqual(set.values, [4, 1]);
    assert.deepEqual(
      set.series.map((series) => series.name),
      ['cpu.cores', 'disk.percent'],
    );
  });
});
