/** The longest agent version recorded; a longer one is ignored. */
export const AGENT_VERSION_MAX_LENGTH = 64;

const PRODUCT = 'muster-agent/';
/** Semver-like: two to four numbers, then an optional pre-release and build (`1.2.3`, `1.4`, `2.0.0-rc.1+g1a2b3c`). */
const VERSION = /^[0-9]{1,9}(?:\.[0-9]{1,9}){1,3}(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/**
 * The version a Muster agent names in its User-Agent (`muster-agent/1.2.3 (linux; x64)`), or
 * undefined: another client (curl, python-requests), or a version that is not one (too long, not
 * semver-like, not printable). Never throws: a User-Agent is the client's to send.
 */
export function agentVersionOf(userAgent: string | undefined): string | undefined {
  if (userAgent === undefined || !userAgent.startsWith(PRODUCT)) return undefined;
  const space = userAgent.indexOf(' ', PRODUCT.length);
  const version = space < 0 ? userAgent.slice(PRODUCT.length) : userAgent.slice(PRODUCT.length, space);
  return version.length <= AGENT_VERSION_MAX_LENGTH && VERSION.test(version) ? version : undefined;
}
