import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * System secrets look like `my_<20 hex>.<40 hex>`. The public part identifies the secret at
 * registration; the secret part (160 random bits) is kept only as a salted HMAC-SHA256.
 * A slow password hash buys nothing for a random 160-bit value and would make every
 * cache miss on the heartbeat path cost milliseconds (docs/adr/0003-system-secret-hashing.md).
 */
export interface GeneratedSecret {
  secret: string;
  publicPart: string;
  salt: string;
  hash: string;
}

export interface ParsedSecret {
  publicPart: string;
  secretPart: string;
}

// Generated secrets are hex, but any `my_<public>.<secret>` with a long enough secret part is
// well-formed, as in the appliance API Muster speaks; a mismatch then fails verification.
const SECRET_PATTERN = /^my_([^.]{1,64})\.([^.]{32,128})$/;

export function generateSystemSecret(): GeneratedSecret {
  const publicPart = randomBytes(10).toString('hex');
  const secretPart = randomBytes(20).toString('hex');
  const salt = randomBytes(16).toString('hex');
  return { secret: `my_${publicPart}.${secretPart}`, publicPart, salt, hash: hashSecretPart(secretPart, salt) };
}

export function parseSystemSecret(secret: string): ParsedSecret | null {
  const match = SECRET_PATTERN.exec(secret);
  if (!match) return null;
  return { publicPart: match[1]!, secretPart: match[2]! };
}

export function hashSecretPart(secretPart: string, salt: string): string {
  return createHmac('sha256', salt).update(secretPart).digest('hex');
}

export interface StoredSecret {
  secretPublic: string;
  secretSalt: string;
  secretHash: string;
}

// What a secret is checked against when there is nothing to check it against (an unknown key or
// public part): the same HMAC and comparisons run, so a failure takes as long whatever its reason
// and the timing does not tell which keys exist. Random, so no secret ever matches it.
const DECOY: StoredSecret = (() => {
  const generated = generateSystemSecret();
  return { secretPublic: generated.publicPart, secretSalt: generated.salt, secretHash: generated.hash };
})();

/**
 * Constant-time check of a presented secret against the stored public part, salt and hash; with
 * nothing stored (null), the same work against a decoy, and false.
 */
export function verifySystemSecret(presented: ParsedSecret, stored: StoredSecret | null): boolean {
  const against = stored ?? DECOY;
  const publicMatches = constantTimeEqual(presented.publicPart, against.secretPublic);
  const hashMatches = constantTimeEqual(hashSecretPart(presented.secretPart, against.secretSalt), against.secretHash);
  return stored !== null && publicMatches && hashMatches;
}

export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `PREFIX-` followed by 32 upper-case hex digits in 8 groups of 4. */
export function generateSystemKey(prefix: string): string {
  const hex = randomBytes(16).toString('hex').toUpperCase();
  return `${prefix}-${hex.match(/.{4}/g)!.join('-')}`;
}
