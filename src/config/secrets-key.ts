import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SECRETS_KEY_BYTES } from '../crypto/secret-box.ts';

export const SECRETS_KEY_FILE = 'secrets.key';

/**
 * The key that encrypts the secrets Muster keeps (webhook signing secrets): SECRETS_KEY when set;
 * otherwise one generated on first start and kept in DATA_DIR (base64, mode 0600), as the admin
 * token's hash is. Several nodes must share one key, so they need SECRETS_KEY; a key lost means
 * the webhooks it encrypted must be recreated. `announce` learns of a newly generated key's file.
 */
export async function resolveSecretsKey(secretsKey: Buffer | undefined, dataDir: string, announce: (file: string) => void = () => {}): Promise<Buffer> {
  if (secretsKey) return secretsKey;
  const file = path.join(dataDir, SECRETS_KEY_FILE);
  const stored = await readKeyFile(file);
  if (stored) return stored;
  const key = randomBytes(SECRETS_KEY_BYTES);
  await mkdir(dataDir, { recursive: true });
  try {
    // 'wx': a process that created it meanwhile wins, and its key is the one used.
    await writeFile(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readKeyFile(file))!;
    throw error;
  }
  announce(file);
  return key;
}

async function readKeyFile(file: string): Promise<Buffer | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (text === undefined) return undefined;
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== SECRETS_KEY_BYTES || key.toString('base64') !== text.trim()) {
    throw new Error(`${file} is damaged (not ${SECRETS_KEY_BYTES} bytes of base64); restore it, or set SECRETS_KEY to the key it held`);
  }
  return key;
}
