import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sha256 } from '../http/admin-auth.ts';

export const ADMIN_TOKEN_FILE = 'admin-token.sha256';

/**
 * The SHA-256 of the operators' bearer token: ADMIN_TOKEN when set; otherwise the one generated
 * on first start, of which only the hash is kept in DATA_DIR. `announce` receives a newly
 * generated token, the only time it is ever visible.
 */
export async function resolveAdminTokenHash(adminToken: string | undefined, dataDir: string, announce: (token: string, file: string) => void): Promise<Buffer> {
  if (adminToken) return sha256(adminToken);
  const file = path.join(dataDir, ADMIN_TOKEN_FILE);
  const stored = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stored !== undefined) {
    const hex = stored.trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${file} is damaged; delete it to generate a new admin token`);
    return Buffer.from(hex, 'hex');
  }
  const token = randomBytes(32).toString('base64url');
  const hash = sha256(token);
  await mkdir(dataDir, { recursive: true });
  // 'wx': if another process created it meanwhile, fail rather than overwrite its token.
  await writeFile(file, `${hash.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  announce(token, file);
  return hash;
}
