import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rangeBounds, RANGES, stepFor } from '../../web/src/metric-range.ts';

describe('dashboard: the Metrics tab’s ranges and steps', () => {
  it('aims at about 300 points, never under a minute, in whole 5-minute or hourly buckets once steps are that long', () => {
    assert.deepEqual(
      RANGES.map(([name, , seconds]) => [name, stepFor(seconds), Math.round(seconds / stepFor(seconds))]),
      [
        ['1h', 60, 60],
        ['6h', 120, 180],
        ['24h', 300, 288],
        ['7d', 2100, 288],
        ['30d', 10_800, 240],
      ],
    );
    assert.equal(stepFor(90 * 86_400) % 3600, 0);
  });

  it('ends a preset now and takes a custom range as given', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const preset = rangeBounds({ kind: 'preset', name: '6h' }, now);
    assert.deepEqual([preset.from.toISOString(), preset.to.toISOString(), preset.step], ['2026-12-01T06:00:00.000Z', '2026-12-01T12:00:00.000Z', 120]);
    const custom = rangeBounds({ kind: 'custom', from: '2026-11-01T00:00:00Z', to: '2026-11-08T00:00:00Z' }, now);
    assert.deepEqual([custom.from.toISOString(), custom.step], ['2026-11-01T00:00:00.000Z', 2100]);
  });
});
