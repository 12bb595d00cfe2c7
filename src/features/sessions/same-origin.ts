import type { FastifyRequest } from 'fastify';
import { ForbiddenError } from '../../errors/errors.ts';

/**
 * Refuses (403) a request whose `Origin` (or, without one, `Referer`) is not the request's own
 * origin (its protocol and Host, or X-Forwarded-Proto/-Host behind TRUST_PROXY). `required`:
 * whether a request sending neither is refused too (cookie-authenticated changes) or let through
 * (signing in, where the body's credentials are the proof).
 */
export function assertSameOrigin(request: FastifyRequest, required: boolean): void {
  const origin = single(request.headers.origin);
  const referer = single(request.headers.referer);
  const sent = origin ?? referer;
  if (sent === undefined) {
    if (required) throw new ForbiddenError('CSRF check failed: a change made with the session cookie must send an Origin (or Referer) header');
    return;
  }
  const claimed = originOf(sent);
  const own = originOf(`${request.protocol}://${request.host}`);
  if (claimed === undefined || own === undefined || claimed !== own) {
    throw new ForbiddenError(`CSRF check failed: the request comes from another origin than ${own ?? 'this server'}`);
  }
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? undefined : parsed.origin;
  } catch {
    return undefined;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  // An empty header says nothing: as if it were not sent.
  return (Array.isArray(value) ? value[0] : value) || undefined;
}
