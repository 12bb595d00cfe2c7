/**
 * Backup upload benchmark: one large body (default 1 GiB) POSTed to /api/systems/backups over
 * loopback, against copying the same bytes to a local file; reports throughput and the growth of
 * Muster's resident memory during the upload (goal: under 64 MiB; throughput within 2× of the
 * copy). The body is generated from one random 1 MiB block, so the load generator holds little.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DB_LABEL, progress } from './lib/basics.ts';
import { onCleanup } from './lib/cleanups.ts';
import { createFleet } from './lib/fleet.ts';
import { sampleRss, scrapeMetrics } from './lib/metrics.ts';
import { makeTempDir, startMuster } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, mib, writeBenchmarkSection } from './lib/report.ts';

const MiB = 1024 * 1024;

function body(sizeBytes: number): Readable {
  const block = randomBytes(MiB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= sizeBytes) return void this.push(null);
      const chunk = block.subarray(0, Math.min(MiB, sizeBytes - sent));
      sent += chunk.length;
      this.push(chunk);
    },
  });
}

async function copyToFile(file: string, sizeBytes: number): Promise<number> {
  const started = performance.now();
  await pipeline(body(sizeBytes), createWriteStream(file));
  const handle = await open(file, 'r+');
  await handle.sync();
  await handle.close();
  return (performance.now() - started) / 1000;
}

async function upload(url: string, authorization: string, sizeBytes: number): Promise<{ seconds: number; status: number; answer: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(`${url}/api/systems/backups`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/octet-stream', 'content-length': String(sizeBytes), 'x-filename': 'bench.tar.gz' },
    });
    outgoing.on('response', (response) => {
      let answer = '';
      response.on('data', (chunk: Buffer) => (answer += chunk.toString()));
      response.on('end', () => resolve({ seconds: (performance.now() - started) / 1000, status: response.statusCode ?? 0, answer }));
    });
    outgoing.on('error', reject);
    body(sizeBytes).pipe(outgoing);
  });
}

export async function runBackupsBench(options: { sizeMiB: number }): Promise<void> {
  const sizeBytes = options.sizeMiB * MiB;
  const dataDir = await makeTempDir('muster-bench-backups-');
  const muster = await startMuster({
    dataDir,
    env: { BACKUP_MAX_UPLOAD_SIZE: String(2 * sizeBytes), BACKUP_MAX_SIZE_PER_SYSTEM: String(4 * sizeBytes) },
    label: 'muster (backups)',
  });
  const release = onCleanup(async () => {
    await muster.stop(10_000);
    await rm(dataDir, { recursive: true, force: true });
  });
  try {
    const [system] = await createFleet(muster, 1);
    const authorization = `Basic ${Buffer.from(`${system!.systemKey}:${system!.secret}`).toString('base64')}`;

    progress(`copying ${options.sizeMiB} MiB to a local file for the baseline`);
    const copyFile = path.join(dataDir, 'baseline.bin');
    const copySeconds = await copyToFile(copyFile, sizeBytes);
    await rm(copyFile, { force: true });

    // A small upload first, so the path is warm and the baseline RSS is the resting one.
    await upload(muster.url, authorization, MiB);
    const before = (await scrapeMetrics(muster.url)).samples.get('process_resident_memory_bytes') ?? 0;
    const rss = sampleRss(muster.url, 200);
    progress(`uploading ${options.sizeMiB} MiB to Muster`);
    const result = await upload(muster.url, authorization, sizeBytes);
    const peak = await rss.stop();
    if (result.status !== 201) throw new Error(`upload answered ${result.status}: ${result.answer.slice(0, 300)}`);

    const growth = Math.max(0, peak.peak - before);
    const uploadRate = options.sizeMiB / result.seconds;
    const copyRate = options.sizeMiB / copySeconds;
    const machine = machineInfo();
    const table = markdownTable(
      ['store', 'size', 'upload MiB/s', 'local file copy MiB/s', 'copy / upload', 'RSS before', 'peak RSS', 'growth'],
      [['filesystem', `${options.sizeMiB} MiB`, fmt(uploadRate, 1), fmt(copyRate, 1), fmt(copyRate / uploadRate, 2), mib(before), mib(peak.peak), mib(growth)]],
    );
    const lines = [
      `## Backup upload — ${DB_LABEL.pglite}`,
      '',
      `- Date: ${new Date().toISOString()}`,
      `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory} RAM, ${machine.platform}; ${machine.git}`,
      `- Parameters: one ${options.sizeMiB} MiB body (a random 1 MiB block repeated) POSTed over loopback to /api/systems/backups with Content-Length; baseline: the same bytes written and fsynced to a local file by the benchmark process; Muster's RSS from /metrics every 200 ms (${peak.samples} samples).`,
      '',
      table,
      '',
      `- Goals: RSS growth under 64 MiB — ${growth < 64 * MiB ? 'met' : '**not met**'} (${mib(growth)}); throughput within 2× of the file copy — ${copyRate / uploadRate <= 2 ? 'met' : '**not met**'} (${fmt(copyRate / uploadRate, 2)}×).`,
      `- Muster answered ${result.status} with sha256 ${(JSON.parse(result.answer) as { data: { sha256: string } }).data.sha256}.`,
    ];
    console.log(`\n${lines.join('\n')}\n`);
    await writeBenchmarkSection('backups', 'pglite', lines.join('\n'));
  } finally {
    await release();
  }
}
