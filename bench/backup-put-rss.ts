/**
 * Measures how much a put of a large generated body grows the process's resident memory, for
 * each store (a measurement script, not a test; belongs with the benchmarks):
 *
 *   node bench/backup-put-rss.ts [sizeMiB=256]
 *
 * Each store runs in a fresh child process: warm-up put of 16 MiB, GC, baseline RSS, then a put
 * of sizeMiB whose body allocates a fresh 64 KiB buffer per chunk (like an HTTP request body),
 * sampling RSS every 10 ms. The S3 store writes to s3rver in yet another process, whose memory
 * is not counted.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startS3Server, type TestS3Server } from '../test/helpers/s3-server.ts';
import type { BackupStorage } from '../src/features/backups/storage/backup-storage.ts';
import { createFilesystemStorage } from '../src/features/backups/storage/filesystem-storage.ts';
import { createS3Storage } from '../src/features/backups/storage/s3-storage.ts';

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

function generatedBody(size: number): Readable {
  const pool = randomBytes(MiB);
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(CHUNK, size - offset);
      const chunk = Buffer.allocUnsafe(length);
      pool.copy(chunk, 0, offset % MiB, (offset % MiB) + length);
      offset += length;
      this.push(chunk);
    },
  });
}

async function measure(kind: 'filesystem' | 's3', sizeMiB: number): Promise<Record<string, number | string>> {
  const dir = await mkdtemp(join(tmpdir(), 'muster-rss-'));
  let server: TestS3Server | undefined;
  try {
    let storage: BackupStorage;
    if (kind === 's3') {
      server = await startS3Server();
      storage = createS3Storage({
        bucket: server.bucket,
        region: server.region,
        endpoint: server.endpoint,
        forcePathStyle: true,
        accessKeyId: server.accessKeyId,
        secretAccessKey: server.secretAccessKey,
      });
    } else {
      storage = createFilesystemStorage(dir);
    }
    const options = { contentType: 'application/octet-stream', metadata: { filename: 'x.bin' } };
    await storage.put('warm/up/1.bin', generatedBody(16 * MiB), { ...options, expectedSize: 16 * MiB, maxSize: 16 * MiB });
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const size = sizeMiB * MiB;
    const baseline = process.memoryUsage.rss();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10);
    const started = performance.now();
    await storage.put('org/sys/big.bin', generatedBody(size), { ...options, expectedSize: size, maxSize: size });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage.rss());
    return {
      store: kind,
      sizeMiB,
      baselineRssMiB: +(baseline / MiB).toFixed(1),
      peakRssMiB: +(peak / MiB).toFixed(1),
      growthMiB: +((peak - baseline) / MiB).toFixed(1),
      seconds: +seconds.toFixed(1),
      MiBPerSecond: +(sizeMiB / seconds).toFixed(0),
    };
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const [first, second] = process.argv.slice(2);
if (first === 'filesystem' || first === 's3') {
  console.log(JSON.stringify(await measure(first, Number(second ?? 256))));
} else {
  const sizeMiB = first ?? '256';
  const rows = (['filesystem', 's3'] as const).map(
    (kind) => JSON.parse(execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), kind, sizeMiB], { encoding: 'utf8' })) as object,
  );
  console.table(rows);
}
