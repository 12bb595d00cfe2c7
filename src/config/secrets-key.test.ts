import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveSecretsKey, SECRETS_KEY_FILE } from './secrets-key.ts';

describe('secrets key', () => {
  it('is SECRETS_KEY when set, else generated once into DATA_DIR and kept', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'muster-secrets-key-'));
    try {
      const given = randomBytes(32);
      assert.equal(await resolveSecretsKey(given, dataDir), given);
      const announced: string[] = [];
      const generated = await resolveSecretsKey(undefined, dataDir, (file) => announced.push(file));
      const file = path.join(dataDir, SECRETS_KEY_FILE);
      assert.deepEqual(announced, [file]);
      assert.equal(generated.length, 32);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.deepEqual(await resolveSecretsKey(undefined, dataDir, () => assert.fail('generated twice')), generated);
      assert.equal((await readFile(file, 'utf8')).trim(), generated.toString('base64'));
      await writeFile(file, 'garbage\n');
      await assert.rejects(resolveSecretsKey(undefined, dataDir), /secrets\.key is damaged/);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
