import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { repeat } from '../src/schedule.ts';

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('schedules', () => {
  it('start after a random part of the jitter and then run an interval apart, give or take the jitter, and stop', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const draws = [0.5, 0, 1, 0.5, 0.5];
      const runs: number[] = [];
      const schedule = repeat(
        async () => {
          runs.push(Date.now());
        },
        { intervalMs: 1000, jitter: 0.1, random: () => draws.shift()! },
      );
      for (let ms = 0; ms < 4000; ms += 10) {
        mock.timers.tick(10);
        await settle();
      }
      // First after 0.5 × 10 % of the interval; then 1000 × (1 − 0.1), 1000 × (1 + 0.1), 1000 × 1.
      assert.deepEqual(runs, [50, 950, 2050, 3050]);
      await schedule.stop();
      mock.timers.tick(5000);
      await settle();
      assert.equal(runs.length, 4, 'nothing runs once stopped');
    } finally {
      mock.timers.reset();
    }
  });
});
