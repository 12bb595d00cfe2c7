import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/database-unavailable.ts';

/** While the database is down every batch, poll and periodic run fails: one line per this interval says so. */
export const UNAVAILABLE_LOG_INTERVAL_MS = 10_000;

/**
 * Logs failures at error, one line each, except that the database being unavailable (which
 * fails everything at once, many times a second under load) is logged at most once per
 * interval per caller, with how many such failures went unlogged since the last line.
 */
export function createFailureLog(logger: Logger, intervalMs = UNAVAILABLE_LOG_INTERVAL_MS) {
  let lastUnavailableAt = -Infinity;
  let unlogged = 0;
  return (error: unknown, fields: Record<string, unknown>, message: string): void => {
    if (!isDatabaseUnavailable(error)) {
      logger.error({ ...fields, err: error }, message);
      return;
    }
    const now = performance.now();
    if (now - lastUnavailableAt < intervalMs) {
      unlogged++;
      return;
    }
    logger.error({ ...fields, err: error, alsoFailed: unlogged }, `${message}: the database is unavailable`);
    lastUnavailableAt = now;
    unlogged = 0;
  };
}
