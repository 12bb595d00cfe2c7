import type { SecretBox } from '../../crypto/secret-box.ts';

/** What the browser carries from the start of a sign-in to its callback, sealed. */
export interface SignInState {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where the person goes once signed in: a path on this site. */
  returnTo: string | undefined;
  /** The redirect URL the authorization request named: the code exchange must name the same. */
  redirectUrl: string;
  /** Epoch milliseconds. */
  startedAt: number;
}

export const STATE_COOKIE_NAME = 'muster_oidc_state';
/** Long enough to sign in at the provider (password, second factor), short enough to be worthless soon after. */
export const STATE_LIFETIME_SECONDS = 600;
// Authenticated with the sealed value: a value sealed for another purpose does not open here.
const SEAL_CONTEXT = 'oidc-sign-in-state';

export function sealSignInState(box: SecretBox, state: SignInState): string {
  return box.seal(JSON.stringify(state), SEAL_CONTEXT);
}

/** The state, or undefined when the value is damaged, was sealed by another key or for another purpose, or is too old. */
export function openSignInState(box: SecretBox, sealed: string, now: Date): SignInState | undefined {
  let state: Partial<SignInState>;
  try {
    state = JSON.parse(box.open(sealed, SEAL_CONTEXT)) as Partial<SignInState>;
  } catch {
    return undefined;
  }
  const { startedAt } = state;
  if (typeof startedAt !== 'number' || startedAt > now.getTime() + 60_000 || now.getTime() - startedAt > STATE_LIFETIME_SECONDS * 1000) return undefined;
  if (typeof state.state !== 'string' || typeof state.nonce !== 'string' || typeof state.codeVerifier !== 'string' || typeof state.redirectUrl !== 'string') {
    return undefined;
  }
  return { state: state.state, nonce: state.nonce, codeVerifier: state.codeVerifier, redirectUrl: state.redirectUrl, returnTo: state.returnTo, startedAt };
}

export interface StateCookieOptions {
  /** The callback's path: the browser sends the cookie there and nowhere else. */
  path: string;
  secure: boolean;
}

/**
 * `Set-Cookie` for the sealed state. SameSite=Lax, not Strict: the provider sends the browser
 * back to the callback with a top-level cross-site redirect, and a Strict cookie is not sent on
 * that navigation (the callback would never see its state). Lax is sent on top-level GET
 * navigations only, which is the one request this cookie is for; it is HttpOnly, sealed
 * (encrypted and authenticated), expires with the sign-in, and is limited to the callback's path.
 */
export function stateCookie(value: string, options: StateCookieOptions): string {
  return serialize(value, STATE_LIFETIME_SECONDS, options);
}

export function clearedStateCookie(options: StateCookieOptions): string {
  return serialize('', 0, options);
}

function serialize(value: string, maxAge: number, options: StateCookieOptions): string {
  const attributes = [`${STATE_COOKIE_NAME}=${value}`, `Max-Age=${maxAge}`, `Path=${options.path}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.secure) attributes.push('Secure');
  return attributes.join('; ');
}

/** The state cookie's value in a `Cookie` header (the sealed value needs no decoding: base64url and dots). */
export function readStateCookie(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals > 0 && pair.slice(0, equals).trim() === STATE_COOKIE_NAME) return pair.slice(equals + 1).trim() || undefined;
  }
  return undefined;
}

/**
 * `return_to` when it is a path on this site, else undefined (and the default applies): it
 * must start with one `/`, and nothing a browser reads as another host (`//host`, `/\host`,
 * a scheme) or control characters are accepted.
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  const base = 'http://muster.invalid';
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return undefined;
  }
  return resolved.origin === base ? value : undefined;
}
