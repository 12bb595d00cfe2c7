/** What an error says beyond its message, for the client to act on. */
export interface AppErrorHints {
  /** Seconds after which the same request may succeed (HTTP: `Retry-After`). */
  retryAfterSeconds?: number | undefined;
  /** How to authenticate (HTTP: `WWW-Authenticate`), e.g. `Basic realm="System Authentication"`. */
  challenge?: string | undefined;
}

/**
 * One base class for every error the service answers with on purpose. Errors know nothing of
 * HTTP: the error handler maps `statusCode`, `message` and `data` into the `{code, message,
 * data}` envelope and the hints into headers; anything that is not an AppError becomes a logged
 * 500 that reveals nothing.
 */
export class AppError extends Error {
  readonly statusCode: number;
  readonly data: unknown;
  readonly retryAfterSeconds: number | undefined;
  readonly challenge: string | undefined;

  constructor(statusCode: number, message: string, data: unknown = null, hints: AppErrorHints = {}) {
    super(message);
    this.statusCode = statusCode;
    this.data = data;
    this.retryAfterSeconds = hints.retryAfterSeconds;
    this.challenge = hints.challenge;
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
  constructor(message: string, challenge?: string) {
    super(401, message, null, { challenge });
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

/** Too many requests of this kind for now; the same one may succeed after `retryAfterSeconds`. */
export class TooManyRequestsError extends AppError {
  override name = 'TooManyRequestsError';
  constructor(message: string, retryAfterSeconds: number) {
    super(429, message, { retry_after_seconds: retryAfterSeconds }, { retryAfterSeconds });
  }
}

/** What the request names existed once and is no longer usable (a used or expired invitation). */
export class GoneError extends AppError {
  override name = 'GoneError';
  constructor(message: string) {
    super(410, message);
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
    super(503, message, null, { retryAfterSeconds });
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
