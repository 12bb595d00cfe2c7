import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ownLikeItsDirectory } from './file-ownership.ts';
import { SettingsError } from './settings.ts';

/** The config file's object; an absent file is an empty one. */
export async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new SettingsError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SettingsError(`${file} must hold a JSON object`);
  return parsed as Record<string, unknown>;
}

/**
 * Merges `changes` into the config file, written whole to a temporary name and renamed, readable
 * only by its owner (it holds the system secret). Run as root in a directory owned by another
 * user (the service's, as install.sh makes it), the file is given to that user, so the daemon
 * can read what `register` wrote.
 */
export async function updateConfigFile(file: string, changes: Record<string, unknown>): Promise<void> {
  const directory = path.dirname(file);
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const merged = { ...(await readConfigFile(file)), ...changes };
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
  await ownLikeItsDirectory(temporary, directory);
  await rename(temporary, file);
}
