import { hash, randomBytes, randomInt } from 'node:crypto';

export const API_KEY_PREFIX = 'mak_';
const PREFIX = API_KEY_PREFIX;
const PUBLIC_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PUBLIC_ID_LENGTH = 8;
// 32 random bytes in base64url without padding.
const SECRET_LENGTH = 43;
const KEY_PATTERN = new RegExp(`^${PREFIX}([a-z0-9]{${PUBLIC_ID_LENGTH}})_[A-Za-z0-9_-]{${SECRET_LENGTH}}$`);

/** A new key: `mak_<public id>_<secret>`, and the visible part `mak_<public id>`. */
export function generateApiKey(): { key: string; publicId: string; prefix: string } {
  let publicId = '';
  for (let i = 0; i < PUBLIC_ID_LENGTH; i++) publicId += PUBLIC_ID_ALPHABET[randomInt(PUBLIC_ID_ALPHABET.length)];
  const prefix = `${PREFIX}${publicId}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, publicId, prefix };
}

export function apiKeyPrefix(publicId: string): string {
  return `${PREFIX}${publicId}`;
}

/** The public id of a well-formed key, or undefined. */
export function parseApiKey(key: string): string | undefined {
  return KEY_PATTERN.exec(key)?.[1];
}

/** SHA-256 (hex) of the whole key: what is stored, and what verified keys are cached under. */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}
