import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real S3-compatible HTTP server for tests: s3rver (a devDependency, pure JavaScript, objects
 * stored as files) in a child process on a random loopback port, with a temporary data
 * directory and one bucket created up front. A child process keeps s3rver's logger and its
 * global exception handlers out of the test process, and keeps its memory out of the test's RSS.
 *
 * s3rver answers the calls the backup storage makes (PutObject, multipart upload, CopyObject with
 * REPLACE, HeadObject, GetObject, DeleteObject, ListObjectsV2, HeadBucket) but not
 * AbortMultipartUpload or ListMultipartUploads; an aborted upload's parts stay in its private
 * directory, invisible to every object API.
 */
export interface TestS3Server {
  /** e.g. `http://127.0.0.1:40123`; use with `forcePathStyle: true`. */
  endpoint: string;
  bucket: string;
  region: string;
  /** s3rver's fixed credentials. */
  accessKeyId: string;
  secretAccessKey: string;
  /** Kills the process and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
  /** What the process has written to stdout/stderr (the tail), for failure messages. */
  logs(): string;
}

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const LOG_TAIL_CHARS = 16_000;

/** Runs in the child: starts s3rver, prints `{"port":N}` once listening, exits when stdin closes (the parent died). */
const CHILD_SCRIPT = `
const S3rver = require(process.env.S3RVER_MODULE);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: process.env.S3RVER_DIRECTORY,
  configureBuckets: [{ name: process.env.S3RVER_BUCKET }],
});
server.run().then(
  (address) => process.stdout.write(JSON.stringify({ port: address.port }) + '\\n'),
  (error) => { console.error(error); process.exit(1); },
);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Where s3rver is installed, or undefined when the devDependency is missing. */
function s3rverModule(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('s3rver');
  } catch {
    return undefined;
  }
}

/**
 * Whether the S3 tests can run. Outside CI a missing s3rver means "skip"; with CI=true it
 * throws, so the suite cannot silently lose these tests.
 */
export function s3ServerAvailable(): boolean {
  if (s3rverModule()) return true;
  if (process.env.CI === 'true') throw new Error('CI=true but the s3rver devDependency is not installed (npm ci)');
  return false;
}

const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, dir] of running) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Starts s3rver with `bucket` created and resolves once it listens (throws after 20 s). */
export async function startS3Server(options: { bucket?: string } = {}): Promise<TestS3Server> {
  const module = s3rverModule();
  if (!module) throw new Error('the s3rver devDependency is not installed (npm ci)');
  const bucket = options.bucket ?? 'muster-test';
  const dir = await mkdtemp(join(tmpdir(), 'muster-s3rver-'));
  const child = spawn(process.execPath, ['-e', CHILD_SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, S3RVER_MODULE: module, S3RVER_DIRECTORY: dir, S3RVER_BUCKET: bucket },
  });
  running.set(child, dir);
  installExitHook();
  // A server nobody stopped must not keep the test process alive; the exit hook kills it.
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void }).unref?.();

  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
  });
  let closed = false;
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      closed = true;
      running.delete(child);
      resolve();
    });
  });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (!closed) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('s3rver did not start within 20 s')), READY_TIMEOUT_MS);
      child.once('error', reject);
      void exited.then(() => reject(new Error(`s3rver exited before listening`)));
      let line = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
        line += chunk.toString('utf8');
        const newline = line.indexOf('\n');
        if (newline === -1) return;
        clearTimeout(timer);
        try {
          resolve((JSON.parse(line.slice(0, newline)) as { port: number }).port);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    return {
      endpoint: `http://127.0.0.1:${port}`,
      bucket,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      stop,
      logs: () => output,
    };
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output}`, { cause: error });
  }
}
