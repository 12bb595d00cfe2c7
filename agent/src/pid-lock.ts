import { readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The running daemon's pid file in STATE_DIR: one sender of the spool at a time. */
export function pidLock(stateDir: string) {
  const file = path.join(stateDir, 'agent.pid');
  const holder = async (): Promise<number | undefined> => {
    const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      process.kill(pid, 0);
      return pid;
    } catch (error) {
      // EPERM: alive, another user's process.
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
    }
  };
  return {
    holder,
    /** Takes the lock, or answers the live process holding it. */
    async acquire(): Promise<{ acquired: true } | { acquired: false; pid: number }> {
      for (;;) {
        try {
          await writeFile(file, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
          return { acquired: true };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const pid = await holder();
        if (pid !== undefined && pid !== process.pid) return { acquired: false, pid };
        // Left by a process that is gone (killed): take it over.
        await unlink(file).catch(() => undefined);
      }
    },
    async release(): Promise<void> {
      if ((await holder()) === process.pid) await unlink(file).catch(() => undefined);
    },
  };
}
