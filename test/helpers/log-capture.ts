import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { LogLevel } from '../../src/config/config.ts';
import { createLogger } from '../../src/logging/logger.ts';

/** Muster's logger at `level`, writing its JSON lines into `lines` instead of stdout. */
export function captureLogs(level: LogLevel): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger(level, stream), lines };
}
