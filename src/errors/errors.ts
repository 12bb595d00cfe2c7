/**
 * One base class for every error the service answers with on purpose. The HTTP layer maps
 * `statusCode`, `message` and `data` into the `{code, message, data}` envelope; anything that
 * is not an AppError becomes a logged 500 that reveals nothing.
 */
export class AppError extends Error {
  readonly statusCode: number;
  readonly data: unknown;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, message: string, data: unknown = null, headers: Record<string, string> = {}) {
    super(message);
    this.statusCode = statusCode;
    this.data = data;
    this.headers = headers;
  }
}

export class BadRequestError extends AppError {
  override name = 'BadRequestError';
  constructor(message: string, data: unknown = null) {
    super(400, message, data);
  }
}

export class UnauthorizedError extends AppError {
  override name = 'UnauthorizedError';
  constructor(message: string, headers: Record<string, string> = {}) {
    super(401, message, null, headers);
  }
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  constructor(message: string) {
    super(403, message);
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super(404, message);
  }
}

export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(message: string, data: unknown = null) {
    super(409, message, data);
  }
}

export class PayloadTooLargeError extends AppError {
  override name = 'PayloadTooLargeError';
  constructor(message: string, data: unknown = null) {
    super(413, message, data);
  }
}

/** The data could not be stored durably right now; the client should retry later. */
export class ServiceUnavailableError extends AppError {
  override name = 'ServiceUnavailableError';
  constructor(message: string, retryAfterSeconds = 5) {
    super(503, message, null, { 'retry-after': String(retryAfterSeconds) });
  }
}

/**
 * The database cannot be reached or refuses work for now (stopped, restarting, out of
 * connections or disk): nothing was stored, and the same request can succeed once it is back.
 */
export class DatabaseUnavailableError extends ServiceUnavailableError {
  override name = 'DatabaseUnavailableError';
  constructor(cause: unknown) {
    super('database unavailable; retry shortly', DATABASE_RETRY_AFTER_SECONDS);
    this.cause = cause;
  }
}

/** What an appliance is told to wait during a database outage: short, since recovery takes seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;
