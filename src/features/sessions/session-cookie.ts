import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './session-token.ts';
import type { SignInOrigin } from './sessions-service.ts';

export interface CookieSettings {
  /** BASE_PATH, or `/`. */
  path: string;
  maxAgeSeconds: number;
}

// Secure when the request came over HTTPS (behind a proxy: TRUST_PROXY and X-Forwarded-Proto).
const attributes = (settings: CookieSettings, request: FastifyRequest) =>
  ({ httpOnly: true, sameSite: 'strict', path: settings.path, secure: request.protocol === 'https' }) as const;

export function setSessionCookie(settings: CookieSettings, request: FastifyRequest, reply: FastifyReply, token: string): void {
  void reply.setCookie(SESSION_COOKIE, token, { ...attributes(settings, request), maxAge: settings.maxAgeSeconds });
}

export function clearSessionCookie(settings: CookieSettings, request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, attributes(settings, request));
}

export function signInOrigin(request: FastifyRequest): SignInOrigin {
  return { address: request.ip, userAgent: request.headers['user-agent'] };
}
