import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'muster_session';
const PREFIX = 'mus_';
// 32 random bytes in base64url without padding.
const TOKEN_PATTERN = /^mus_[A-Za-z0-9_-]{43}$/;

/** A new cookie value: `mus_` and 32 random bytes. */
export function newSessionToken(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function isSessionToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

/** SHA-256 (hex) of the cookie value: what is stored, and what verified sessions are cached under. */
export function hashSessionToken(token: string): string {
  return hash('sha256', token, 'hex');
}

/**
 * The session's CSRF token: an HMAC keyed by the cookie value, so it is never stored, only the
 * cookie's holder can compute it, and knowing it reveals nothing of the cookie.
 */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('muster csrf token').digest('base64url');
}

/** Whether `presented` is the session's CSRF token, compared in constant time. */
export function csrfTokenMatches(token: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const expected = Buffer.from(csrfTokenOf(token));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
