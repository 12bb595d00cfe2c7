import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { spelledSeconds } from '../../web/src/format.ts';

describe('dashboard: thresholds in words', () => {
  it('spells seconds exactly in up to two units, and says when it rounds', () => {
    assert.deepEqual([0, 45, 60, 90, 300, 3600, 5400, 86_400, 90_000, 3725, 172_861].map(spelledSeconds), [
      '0 s',
      '45 s',
      '1 min',
      '1 min 30 s',
      '5 min',
      '1 h',
      '1 h 30 min',
      '1 d',
      '1 d 1 h',
      '≈ 1 h 2 min',
      '≈ 2 d 1 min',
    ]);
  });
});
