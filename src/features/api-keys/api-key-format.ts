import { prefixedTokenFormat } from '../../crypto/prefixed-token.ts';

const format = prefixedTokenFormat('mak_');

export const API_KEY_PREFIX = format.prefix;

/** A new key: `mak_<public id>_<secret>`, and the visible part `mak_<public id>`. */
export function generateApiKey(): { key: string; publicId: string; prefix: string } {
  const { token, publicId, prefix } = format.generate();
  return { key: token, publicId, prefix };
}

export const apiKeyPrefix = format.visiblePart;
/** The public id of a well-formed key, or undefined. */
export const parseApiKey = format.parse;
/** SHA-256 (hex) of the whole key: what is stored, and what verified keys are cached under. */
export const hashApiKey = format.hash;
export const sameApiKeyDigest = format.sameDigest;
