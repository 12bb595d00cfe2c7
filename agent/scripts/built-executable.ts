import { spawn } from 'node:child_process';
import { access, open, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

const AGENT_DIR = path.join(import.meta.dirname, '..');
/** The single executable `npm run build -w agent` makes, used by the tests and the bench. */
export const AGENT_EXECUTABLE = path.join(AGENT_DIR, 'dist', 'muster-agent');
const BUILD_LOCK = path.join(AGENT_DIR, '.build.lock');

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Whether the executable is there and newer than every source it is built from. */
async function builtAndFresh(): Promise<boolean> {
  if (!(await exists(AGENT_EXECUTABLE))) return false;
  const built = (await stat(AGENT_EXECUTABLE)).mtimeMs;
  const sources = [
    path.join(AGENT_DIR, 'package.json'),
    ...(await readdir(path.join(AGENT_DIR, 'src'), { recursive: true })).map((name) => path.join(AGENT_DIR, 'src', name)),
  ];
  for (const source of sources) if ((await stat(source)).mtimeMs > built) return false;
  return true;
}

/**
 * Builds the single executable (npm run build -w agent) unless it is there and fresh; test files
 * running at once build it once (the first takes a lock file, the others wait for it).
 */
export async function ensureBuiltAgent(): Promise<string> {
  for (;;) {
    if (!(await exists(BUILD_LOCK)) && (await builtAndFresh())) return AGENT_EXECUTABLE;
    let lock;
    try {
      lock = await open(BUILD_LOCK, 'wx');
    } catch {
      await sleep(200);
      continue;
    }
    try {
      if (!(await builtAndFresh())) {
        const code = await new Promise<number | null>((resolve) => {
          const child = spawn(process.execPath, [path.join(AGENT_DIR, 'scripts', 'build.ts')], { cwd: AGENT_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
          child.on('exit', resolve);
        });
        if (code !== 0) throw new Error(`building the agent failed (exit ${code})`);
      }
      return AGENT_EXECUTABLE;
    } finally {
      await lock.close();
      await unlink(BUILD_LOCK);
    }
  }
}

/**
 * The agent's log as it writes it (JSON lines on stderr), parsed line by line into the returned
 * array as they come; a line that is not JSON becomes `notJson(line)`.
 */
export function agentLogLines<T>(stderr: Readable, notJson: (line: string) => T): T[] {
  const lines: T[] = [];
  let partial = '';
  stderr.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split('\n');
    partial = complete.pop()!;
    for (const line of complete) {
      try {
        lines.push(JSON.parse(line) as T);
      } catch {
        lines.push(notJson(line));
      }
    }
  });
  return lines;
}
