import { createHash, randomBytes } from 'node:crypto';

/** Marks an invitation token, so that a leaked one is easy to recognize and search for. */
export const INVITATION_TOKEN_PREFIX = 'mui_';

/** A new invitation token (256 random bits) and the hash that is stored instead of it. */
export function newInvitationToken(): { token: string; tokenHash: string } {
  const token = `${INVITATION_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: invitationTokenHash(token) };
}

/**
 * The SHA-256 that finds an invitation. The token is looked up by its hash, never compared:
 * timing reveals at most something about a hash of a 256-bit random value.
 */
export function invitationTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
