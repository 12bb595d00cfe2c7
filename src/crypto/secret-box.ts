import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Secrets Muster must keep usable (webhook signing keys: an HMAC needs the key itself) are kept
 * encrypted with AES-256-GCM under SECRETS_KEY, never in clear. A sealed value reads
 * `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url): the key id (the first 8 hex digits of an
 * HMAC of a fixed label under the key, which tells nothing of the key) says which key sealed it,
 * so a value sealed under another key is told apart from a damaged one. The caller's `context`
 * (e.g. `webhook:<id>`) is authenticated with it: a sealed value copied to another row does not
 * open there.
 */
export interface SecretBox {
  /** This key's id, as written into every value it seals. */
  readonly keyId: string;
  /** What every value this key seals starts with (to find those it did not seal). */
  readonly sealedPrefix: string;
  seal(plaintext: string, context: string): string;
  /** Throws SecretBoxError when the value was sealed under another key, for another context, or is damaged. */
  open(sealed: string, context: string): string;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRETS_KEY_BYTES = 32;

export function secretsKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('muster secrets key id').digest('hex').slice(0, 8);
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== SECRETS_KEY_BYTES) throw new Error(`a secrets key is ${SECRETS_KEY_BYTES} bytes, got ${key.length}`);
  const keyId = secretsKeyId(key);
  return {
    keyId,
    sealedPrefix: `${VERSION}.${keyId}.`,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, keyId, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [version, sealedBy, iv, ciphertext, tag, ...rest] = sealed.split('.');
      if (version !== VERSION || rest.length > 0 || !sealedBy || iv === undefined || ciphertext === undefined || tag === undefined) {
        throw new SecretBoxError('is not a sealed value Muster can read');
      }
      if (sealedBy !== keyId) {
        throw new SecretBoxError(`was encrypted with another SECRETS_KEY (key id ${sealedBy}; this node's is ${keyId})`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('cannot be decrypted with this SECRETS_KEY: the stored value is damaged or belongs elsewhere');
      }
    },
  };
}
