import type { Clock } from '../clock/clock.ts';

export interface UseRecorderOptions {
  clock: Clock;
  /** A credential's last use is written at most this often by one node (the write itself skips a recent one by any node). */
  intervalSeconds: number;
  /** Credentials remembered at most, before those no longer cached are forgotten. */
  maxTracked: number;
  isCached: (id: string) => boolean;
  write: (id: string, now: Date, intervalSeconds: number) => Promise<void>;
  /** Where a failed write goes; it never fails the request. */
  onError: (error: unknown) => void;
}

/** Records when a credential (API key, token, session) was last used without a write per request. */
export function createUseRecorder(options: UseRecorderOptions): (id: string) => void {
  const { clock, intervalSeconds } = options;
  // When this node last wrote each credential's use (ms); pruned to the cached ones.
  const writtenAt = new Map<string, number>();
  return (id) => {
    const now = clock.now();
    const last = writtenAt.get(id);
    if (last !== undefined && now.getTime() - last < intervalSeconds * 1000) return;
    writtenAt.set(id, now.getTime());
    if (writtenAt.size > options.maxTracked) {
      for (const tracked of writtenAt.keys()) if (!options.isCached(tracked)) writtenAt.delete(tracked);
    }
    options.write(id, now, intervalSeconds).catch(options.onError);
  };
}
