import { DatabaseUnavailableError } from '../errors/errors.ts';

/**
 * SQLSTATEs of a server that cannot do the work now but may soon: connection exceptions
 * (class 08), insufficient resources (class 53: too many connections, disk full, out of memory),
 * a statement cancelled by the statement timeout (57014), and a server shutting down, crashed or
 * still starting (57P01–57P03).
 */
const UNAVAILABLE_SQLSTATE = /^(?:08[0-9A-Z]{3}|53[0-9A-Z]{3}|57014|57P0[123])$/;

/** Socket errors of a server that is down or unreachable. */
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * node-postgres and pg-pool report a lost or impossible connection with these messages only (no
 * code): "Connection terminated unexpectedly", "…due to connection timeout", "timeout exceeded
 * when trying to connect" (the pool), "Query read timeout" (the client-side statement timeout),
 * "Client has encountered a connection error and is not queryable".
 */
const UNAVAILABLE_MESSAGE = /^connection terminated|timeout exceeded when trying to connect|^query read timeout|connection error and is not queryable/i;

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/**
 * Whether `error` says the database is unavailable rather than that the statement is wrong. It
 * may be an Error or a plain copy of one (pg-boss reports its workers' errors so); connection
 * attempts to several addresses fail with an AggregateError of each.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  if (typeof error !== 'object' || error === null || depth > 4) return false;
  const { code, message, errors, cause } = error as ErrorLike;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  if (Array.isArray(errors) && errors.length > 0 && errors.every((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/** `error` as a DatabaseUnavailableError (503 with Retry-After) when it is one; otherwise unchanged. */
export function asDatabaseError(error: unknown): unknown {
  return error instanceof DatabaseUnavailableError || !isDatabaseUnavailable(error) ? error : new DatabaseUnavailableError(error);
}
