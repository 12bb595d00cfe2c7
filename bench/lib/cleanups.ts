/** Clean-up: children and scratch databases are released on normal exit, errors and Ctrl-C. */
import { progress } from './basics.ts';

const cleanups: (() => Promise<void>)[] = [];

/** Registers an undo action; returns a function that runs it now (and only once). */
export function onCleanup(action: () => Promise<void>): () => Promise<void> {
  let done = false;
  const run = async () => {
    if (done) return;
    done = true;
    const index = cleanups.indexOf(run);
    if (index >= 0) cleanups.splice(index, 1);
    await action();
  };
  cleanups.push(run);
  return run;
}

export async function runAllCleanups(): Promise<void> {
  while (cleanups.length) {
    const run = cleanups.at(-1)!;
    await run().catch((error: unknown) => progress(`clean-up failed: ${String(error)}`));
  }
}
