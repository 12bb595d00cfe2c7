/**
 * Runs `task` again and again, never two at once: the first run after a random part of
 * `jitter × interval` (a fleet restarted together spreads out), each next one an interval later,
 * give or take `jitter × interval`, so that systems do not beat in step.
 */
export function repeat(task: () => Promise<void>, options: { intervalMs: number; jitter: number; random?: () => number }): { stop(): Promise<void> } {
  const random = options.random ?? Math.random;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const schedule = (delayMs: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = task().finally(() => {
        running = undefined;
        schedule(options.intervalMs * (1 + options.jitter * (2 * random() - 1)));
      });
    }, delayMs);
  };
  schedule(options.intervalMs * options.jitter * random());
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** A wait that `interrupt` cuts short (shutdown, or new work arriving). */
export function interruptibleSleep(ms: number): { done: Promise<void>; interrupt(): void } {
  let interrupt = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    interrupt = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, interrupt };
}
