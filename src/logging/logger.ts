import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/config.ts';

/** Anything that could carry a credential is replaced before a log line is written. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
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
  'csrf_token',
  '*.csrf_token',
  'adminToken',
  'config.adminToken',
  'config.secretsKey',
  'secretsKey',
  'config.metricsToken',
  'config.databaseUrl',
  'config.backups.s3.secretAccessKey',
  'config.oidc.clientSecret',
  'clientSecret',
  'secretAccessKey',
];

const CENSOR = '[redacted]';

/**
 * A URL as it may be logged: every query value replaced, the parameter names kept (and a
 * parameter without a value dropped whole, as it may be a value itself). All values, not those
 * whose names suggest a secret: a secret or token can arrive under any name (or none, a typo, a
 * client that puts its credentials where they do not belong), and Muster's own query values
 * (filters, search text, page numbers) are not what a request log is read for, the route and
 * the names of the parameters are.
 */
export function redactQuery(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const names = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals < 0 ? CENSOR : `${pair.slice(0, equals)}=${CENSOR}`;
    });
  return `${url.slice(0, mark)}?${names.join('&')}`;
}

interface LoggedRequest {
  method: string;
  url: string;
  headers?: Record<string, string | string[] | undefined>;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Fastify's own request serializer (method, url, version, host, remote address and port), with
 * the query's values redacted: the one place a request's URL reaches the logs (Fastify's
 * per-request lines at LOG_LEVEL=debug).
 */
function serializeRequest(request: LoggedRequest | undefined) {
  // Anything else logged under `req` is left to the redaction paths.
  if (typeof request?.url !== 'string') return request;
  return {
    method: request.method,
    url: redactQuery(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** JSON lines, or pretty output when writing to a terminal and pino-pretty is installed. */
export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'muster' },
    redact: { paths: REDACTED_PATHS, censor: CENSOR },
    serializers: { req: serializeRequest },
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
