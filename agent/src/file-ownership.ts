import { chown, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Run as root (`sudo muster-agent register`, `once`) in a directory the service's user owns,
 * a new file is given to that user, so that the daemon can read and replace it.
 */
export async function ownLikeItsDirectory(file: string, directory = path.dirname(file)): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const owner = await stat(directory);
  if (owner.uid !== 0) await chown(file, owner.uid, owner.gid);
}
