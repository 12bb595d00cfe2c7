import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { createScheduler } from './scheduler.ts';

describe('scheduler', () => {
  it('tells a run in progress that the node stops, and waits for it to end', async () => {
    const scheduler = createScheduler(pino({ level: 'silent' }));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let seen: AbortSignal | undefined;
    let ended = false;
    scheduler.register({
      name: 'backlog',
      intervalMs: 1,
      async run(signal) {
        seen = signal;
        started();
        // A task working through a backlog: one unit after another until told to stop.
        while (!signal.aborted) await new Promise((resolve) => setTimeout(resolve, 5));
        ended = true;
      },
    });
    scheduler.start();
    await running;
    assert.equal(seen?.aborted, false);
    await scheduler.stop();
    assert.equal(seen.aborted, true);
    assert.equal(ended, true, 'stop waited for the run');
  });

  it('gives a restarted scheduler a signal not yet aborted', async () => {
    const scheduler = createScheduler(pino({ level: 'silent' }));
    const signals: AbortSignal[] = [];
    scheduler.register({ name: 'tick', intervalMs: 1, run: async (signal) => void signals.push(signal) });
    scheduler.start();
    while (signals.length === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    await scheduler.stop();
    const before = signals.length;
    scheduler.start();
    while (signals.length === before) await new Promise((resolve) => setTimeout(resolve, 2));
    await scheduler.stop();
    assert.equal(signals.at(-1) === signals[0], false);
    assert.equal(signals[0]!.aborted, true);
  });
});
