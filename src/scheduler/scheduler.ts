import type { Logger } from 'pino';
import { createFailureLog } from '../logging/failure-log.ts';

export interface PeriodicTask {
  name: string;
  intervalMs: number;
  /** One run; `signal` is aborted when the node stops: a task working through a backlog ends after its current unit. */
  run: (signal: AbortSignal) => Promise<unknown>;
}

/**
 * Runs periodic tasks: never two runs of one task at once (the next run is scheduled when the
 * previous one ends), with ±10 % jitter so nodes started together drift apart. Running once
 * per cluster is each task's own business (an advisory lock), since only it knows its unit
 * of work.
 */
export function createScheduler(logger: Logger) {
  const tasks: PeriodicTask[] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<unknown>>();
  // One per task: a database outage is logged once per interval by each, not on every run.
  const logFailures = new Map<string, ReturnType<typeof createFailureLog>>();
  let stopped = true;
  let stopping = new AbortController();

  function schedule(task: PeriodicTask): void {
    if (stopped) return;
    const delay = Math.round(task.intervalMs * (0.9 + Math.random() * 0.2));
    timers.set(
      task.name,
      setTimeout(() => {
        const run = task
          .run(stopping.signal)
          .catch((error: unknown) => logFailures.get(task.name)?.(error, { task: task.name }, 'periodic task failed; it will run again'))
          .finally(() => {
            running.delete(run);
            schedule(task);
          });
        running.add(run);
      }, delay),
    );
  }

  return {
    register(task: PeriodicTask): void {
      tasks.push(task);
      logFailures.set(task.name, createFailureLog(logger));
    },
    start(): void {
      stopped = false;
      stopping = new AbortController();
      for (const task of tasks) schedule(task);
    },
    /** Stops scheduling, tells runs in progress to end after their current unit, and waits for them. */
    async stop(): Promise<void> {
      stopped = true;
      stopping.abort();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
