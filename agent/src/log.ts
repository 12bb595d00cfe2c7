/**
 * JSON lines on stderr (journald keeps them). Callers pass facts, never credentials: nothing
 * here knows the secret, and request errors carry only the method, path and status.
 */
export type LogLevel = 'info' | 'warn' | 'error';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function createLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const log =
    (level: LogLevel) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      write(`${JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields })}\n`);
  return { info: log('info'), warn: log('warn'), error: log('error') };
}
