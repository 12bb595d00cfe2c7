import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../domain/access.ts';
import { UnauthorizedError } from '../errors/errors.ts';
import { sha256 } from './admin-auth.ts';

/** Verifies one kind of bearer token, told apart by its prefix (`mak_`, `mpt_`). */
export interface BearerAuthenticator {
  prefix: string;
  /** The token's principal; throws a 401 for an unknown, revoked or expired one. */
  authenticate: (token: string, request: FastifyRequest) => Promise<Principal>;
}

/** Verifies a cookie (the dashboard's session), including what protects it against CSRF. */
export interface CookieAuthenticator {
  name: string;
  authenticate: (value: string, request: FastifyRequest) => Promise<Principal>;
}

export interface AuthenticationOptions {
  /** SHA-256 of ADMIN_TOKEN: the bootstrap global admin. */
  adminTokenHash: Buffer;
  bearers: readonly BearerAuthenticator[];
  cookie?: CookieAuthenticator;
}

export const MANAGEMENT_CHALLENGE = 'Bearer realm="Muster"';
const BOOTSTRAP: Principal = Object.freeze({ kind: 'bootstrap' });

/**
 * Who sent a management request: `Authorization: Bearer` with a personal token, an API key
 * (each by its prefix) or ADMIN_TOKEN, else the session cookie. A request with an Authorization
 * header is judged by it alone, so a bad token never falls back to a cookie.
 */
export function createAuthentication(options: AuthenticationOptions): (request: FastifyRequest) => Promise<Principal> {
  const invalid = () => new UnauthorizedError('invalid token', `${MANAGEMENT_CHALLENGE}, error="invalid_token"`);
  return async (request) => {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw invalid();
      const token = match[1]!;
      const bearer = options.bearers.find((candidate) => token.startsWith(candidate.prefix));
      if (bearer) return bearer.authenticate(token, request);
      // Digests are compared, in constant time: nothing about the token leaks, not even its length.
      if (timingSafeEqual(sha256(token), options.adminTokenHash)) return BOOTSTRAP;
      throw invalid();
    }
    // Cookies are not parsed for every request (http-app.ts registers @fastify/cookie without its hook): here, when there are some.
    const cookieHeader = request.headers.cookie;
    const cookie = options.cookie && cookieHeader ? (request.cookies ?? request.server.parseCookie(cookieHeader))[options.cookie.name] : undefined;
    if (options.cookie && cookie) return options.cookie.authenticate(cookie, request);
    throw new UnauthorizedError('authentication required: sign in, or send Authorization: Bearer <token>', MANAGEMENT_CHALLENGE);
  };
}
