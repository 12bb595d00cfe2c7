import { execFile } from 'node:child_process';

/** A command's stdout, or undefined when it is missing, fails or takes over 10 s. */
export function run(command: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 10_000, maxBuffer: 8 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (error, stdout) =>
      resolve(error ? undefined : stdout),
    );
  });
}
