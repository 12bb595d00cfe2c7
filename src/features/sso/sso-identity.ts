import type { Role } from '../accounts/index.ts';

const ROLES = ['owner', 'admin', 'operator', 'viewer'] as const satisfies readonly Role[];

/** A role the provider grants the person in one organization (named as the provider names it). */
export interface SsoRole {
  organization: string;
  role: Role;
}

/** Who the OpenID provider says signed in; handed to the sign-in callback once verified. */
export interface SsoIdentity {
  /** The provider's issuer identifier; with `subject`, the stable key of the person there. */
  issuer: string;
  subject: string;
  /** Verified by the provider (`email_verified` is true). */
  email: string;
  name: string | undefined;
  /** From the configured roles claim; undefined when the provider sent no such claim. */
  roles: SsoRole[] | undefined;
}

/** Claims not fit to sign in with: the answer names what is missing. */
export class UnusableClaimsError extends Error {
  override name = 'UnusableClaimsError';
}

/**
 * The identity in the verified claims (the ID token's, completed by userinfo). Requires an
 * email the provider has verified: Muster matches people by email, and an unverified one is only
 * what someone typed.
 */
export function identityFromClaims(claims: Record<string, unknown>, rolesClaim: string): SsoIdentity {
  const { iss, sub, email, email_verified: emailVerified, name } = claims;
  if (typeof iss !== 'string' || typeof sub !== 'string') throw new UnusableClaimsError('the ID token has no issuer or subject');
  if (typeof email !== 'string' || email.trim() === '') throw new UnusableClaimsError('the OpenID provider gave no email address for this account');
  if (emailVerified !== true) throw new UnusableClaimsError('the OpenID provider has not verified the email address of this account');
  return {
    issuer: iss,
    subject: sub,
    email: email.trim(),
    name: typeof name === 'string' && name.trim() !== '' ? name.trim() : undefined,
    roles: rolesClaim in claims ? rolesFromClaim(claims[rolesClaim]) : undefined,
  };
}

/**
 * Roles from a claim in either of the two shapes providers can be made to emit: a list of
 * `"<organization>:<role>"` strings (group-like claims), or an object `{ "<organization>":
 * "<role>" }`. Entries of another shape or with an unknown role are skipped; an organization
 * named twice keeps its first role.
 */
export function rolesFromClaim(value: unknown): SsoRole[] {
  const pairs: [string, unknown][] = [];
  if (Array.isArray(value)) {
    for (const entry of value) {
      if (typeof entry !== 'string') continue;
      // The last colon: organization names may hold colons, role names do not.
      const colon = entry.lastIndexOf(':');
      if (colon > 0) pairs.push([entry.slice(0, colon), entry.slice(colon + 1)]);
    }
  } else if (typeof value === 'object' && value !== null) {
    pairs.push(...Object.entries(value));
  }
  const roles: SsoRole[] = [];
  const seen = new Set<string>();
  for (const [rawOrganization, role] of pairs) {
    const organization = rawOrganization.trim();
    const name = typeof role === 'string' ? role.trim().toLowerCase() : '';
    if (organization === '' || !isRole(name) || seen.has(organization)) continue;
    seen.add(organization);
    roles.push({ organization, role: name });
  }
  return roles;
}

function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
