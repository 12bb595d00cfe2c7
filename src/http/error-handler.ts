import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../db/database-unavailable.ts';
import { AppError, DatabaseUnavailableError } from '../errors/errors.ts';
import { envelope } from './schemas.ts';

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

/**
 * The error as the service answers it on purpose, or undefined for an unexpected one. The
 * drivers raise DatabaseUnavailableError themselves; errors from connections they do not own
 * (the job runner's) are recognised here. Either way a 503 the client can retry.
 */
export function knownError(error: unknown): AppError | undefined {
  return error instanceof AppError ? error : isDatabaseUnavailable(error) ? new DatabaseUnavailableError(error) : undefined;
}

/** Maps every error to the `{code, message, data}` envelope, in one place. */
export function installErrorHandling(app: FastifyInstance, maxRequestSize: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = knownError(error);
    if (known) {
      if (known.challenge !== undefined) void reply.header('www-authenticate', known.challenge);
      if (known.retryAfterSeconds !== undefined) void reply.header('retry-after', String(known.retryAfterSeconds));
      return reply.code(known.statusCode).send(envelope(known.statusCode, known.message, known.data));
    }
    if (error.validation) {
      const context = error.validationContext ?? 'request';
      const errors = (error.validation as ValidationIssue[]).map((issue) => ({
        field: fieldName(context, issue),
        message: issue.message ?? 'is invalid',
      }));
      const first = errors[0];
      const message = first ? `invalid ${context}: ${first.field} ${first.message}` : `invalid ${context}`;
      return reply.code(400).send(envelope(400, message, { errors }));
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE': {
        const limit = request.routeOptions.bodyLimit ?? maxRequestSize;
        return reply.code(413).send(envelope(413, `request body too large: the limit is ${limit} bytes`, { max_bytes: limit }));
      }
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(400).send(envelope(400, 'request body is empty; a JSON body is required', null));
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.code(400).send(envelope(400, `request body is not valid JSON: ${error.message}`, null));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send(envelope(415, `unsupported content type '${request.headers['content-type'] ?? ''}'`, null));
    }
    if (error instanceof SyntaxError || error.statusCode === 400) {
      return reply.code(400).send(envelope(400, `bad request: ${error.message}`, null));
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(envelope(error.statusCode, error.message, null));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(envelope(500, 'internal server error', null));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return reply.code(404).send(envelope(404, `no route for ${request.method} ${path}`, null));
  });
}

function fieldName(context: string, issue: ValidationIssue): string {
  const missing = issue.params?.missingProperty;
  const extra = issue.params?.additionalProperty;
  const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const name = [path, typeof missing === 'string' ? missing : typeof extra === 'string' ? extra : ''].filter(Boolean).join('.');
  return name === '' ? context : name;
}
