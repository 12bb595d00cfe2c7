import { hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const PUBLIC_ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const PUBLIC_ID_LENGTH = 8;
// 32 random bytes in base64url without padding.
const SECRET_LENGTH = 43;

/**
 * Tokens of the form `<prefix><public id>_<secret>` (`mak_`, `mpt_`): the prefix makes a leaked
 * one easy to find and to tell apart, the public id finds its row, and only the SHA-256 of the
 * whole token is kept.
 */
export function prefixedTokenFormat(prefix: string) {
  const pattern = new RegExp(`^${prefix}([a-z0-9]{${PUBLIC_ID_LENGTH}})_[A-Za-z0-9_-]{${SECRET_LENGTH}}$`);
  return {
    prefix,
    /** A new token, its public id, and its visible part `<prefix><public id>`. */
    generate(): { token: string; publicId: string; prefix: string } {
      let publicId = '';
      for (let i = 0; i < PUBLIC_ID_LENGTH; i++) publicId += PUBLIC_ID_ALPHABET[randomInt(PUBLIC_ID_ALPHABET.length)];
      const visible = `${prefix}${publicId}`;
      return { token: `${visible}_${randomBytes(32).toString('base64url')}`, publicId, prefix: visible };
    },
    visiblePart: (publicId: string): string => `${prefix}${publicId}`,
    /** The public id of a well-formed token, or undefined. */
    parse: (token: string): string | undefined => pattern.exec(token)?.[1],
    /** SHA-256 (hex) of the whole token: what is stored, and what verified tokens are cached under. */
    hash: (token: string): string => hash('sha256', token, 'hex'),
    /** Whether two such digests are equal, compared in constant time. */
    sameDigest: (digest: string, stored: string): boolean => timingSafeEqual(Buffer.from(digest, 'hex'), Buffer.from(stored, 'hex')),
  };
}
