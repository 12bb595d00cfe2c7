import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/config.ts';

/** Anything that could carry a credential is replaced before a log line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'password',
  'secret',
  'token',
  'system_secret',
  '*.system_secret',
  '*.password',
  '*.secret',
  '*.token',
  'adminToken',
  'config.adminToken',
  'config.metricsToken',
  'config.databaseUrl',
  'config.backups.s3.secretAccessKey',
  'secretAccessKey',
];

/** JSON lines, or pretty output when writing to a terminal and pino-pretty is installed. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'muster' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (process.stdout.isTTY && canResolve('pino-pretty')) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:standard' } } });
  }
  return pino(options);
}

function canResolve(specifier: string): boolean {
  try {
    import.meta.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}
