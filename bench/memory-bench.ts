/**
 * Memory benchmark: Muster's resident memory idle, at start, under abuse and after it. The
 * abuse is the case that once killed the process: many large inventories (default 105 of about
 * 9.9 MB, each an object of 440,000 small keys, every one different) sent by a few clients at
 * once. Reports the answers by status, the peak RSS while they are sent and processed, the
 * bounded-memory gauges, and RSS once they are processed and the process has been idle a while.
 */
import { rm } from 'node:fs/promises';
import { prepareDatabase, startMusterOn } from './lib/muster-on-database.ts';
import { DB_LABEL, type DbKind, progress, sleep } from './lib/basics.ts';
import { onCleanup } from './lib/cleanups.ts';
import { createFleet } from './lib/fleet.ts';
import { scrapeMetrics } from './lib/metrics.ts';
import { peakRssFromProc, rssFromProc, wasmResidentFromProc } from './lib/proc-readings.ts';
import { type MusterProcess } from './lib/processes.ts';
import { fmt, machineInfo, markdownTable, mib, writeBenchmarkSection } from './lib/report.ts';

export interface MemoryBenchOptions {
  dbs: DbKind[];
  inventories: number;
  keys: number;
  connections: number;
  idleSeconds: number;
}

/** An inventory of `keys` small keys, about 22.5 bytes of JSON each, different for every `serial`. */
function largeInventory(keys: number, serial: number): string {
  const parts: string[] = [];
  for (let key = 0; key < keys; key++) parts.push(`"key-${String(key).padStart(7, '0')}":${(key + serial) % 1000}`);
  return `{"fqdn":"memory.example.com","custom":{${parts.join(',')}}}`;
}

async function waitUntilProcessed(muster: MusterProcess, timeoutMs: number): Promise<number> {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(`${muster.url}/api/v1/jobs`, { headers: { authorization: `Bearer ${muster.adminToken}` } });
    const status = (await response.json()) as { queues: { name: string; queued: number; active: number }[] };
    const inventory = status.queues.find((queue) => queue.name === 'inventory.process');
    if (inventory && inventory.queued === 0 && inventory.active === 0) return (performance.now() - started) / 1000;
    await sleep(1000);
  }
  throw new Error(`inventories not processed within ${timeoutMs / 1000} s`);
}

async function runOne(db: DbKind, options: MemoryBenchOptions): Promise<void> {
  const target = await prepareDatabase(db, `muster-bench-memory-${db}-`);
  const { dataDir, scratch } = target;
  const muster = await startMusterOn(target, { label: `muster (memory, ${db})` });
  const release = onCleanup(async () => {
    await muster.stop(15_000);
    await rm(dataDir, { recursive: true, force: true });
  });
  try {
    const startPeak = peakRssFromProc(muster.pid);
    progress(`${DB_LABEL[db]}: started (peak RSS ${mib(startPeak)}); idle ${options.idleSeconds} s`);
    await sleep(options.idleSeconds * 1000);
    const idle = rssFromProc(muster.pid);
    const fleet = await createFleet(muster, options.connections);

    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssFromProc(muster.pid) ?? 0)), 200);
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    const sender = async (system: (typeof fleet)[number]) => {
      const authorization = `Basic ${Buffer.from(`${system.systemKey}:${system.secret}`).toString('base64')}`;
      for (;;) {
        const serial = next++;
        if (serial >= options.inventories) return;
        const body = largeInventory(options.keys, serial);
        const response = await fetch(`${muster.url}/api/systems/inventory`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/json' },
          body,
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 503) await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      }
    };
    progress(`${DB_LABEL[db]}: sending ${options.inventories} inventories of ${options.keys} keys over ${options.connections} connections`);
    await Promise.all(fleet.map(sender));
    const sendSeconds = (performance.now() - started) / 1000;
    const bodiesPeak = (await scrapeMetrics(muster.url)).samples;
    const processSeconds = await waitUntilProcessed(muster, 30 * 60_000);
    clearInterval(sampler);
    const gauges = (await scrapeMetrics(muster.url)).samples;
    const processed = rssFromProc(muster.pid);
    progress(`${DB_LABEL[db]}: processed; idle ${options.idleSeconds} s again`);
    await sleep(options.idleSeconds * 1000);
    const after = rssFromProc(muster.pid);
    const wasm = wasmResidentFromProc(muster.pid);
    const afterMetrics = (await scrapeMetrics(muster.url)).samples;
    const heap = `${mib(afterMetrics.get('nodejs_heap_size_used_bytes'))} used of ${mib(afterMetrics.get('nodejs_heap_size_total_bytes'))}, external ${mib(afterMetrics.get('nodejs_external_memory_bytes'))}`;
    const pool = (samples: Map<string, number>, name: string) => samples.get(`muster_bounded_memory_bytes{pool="${name}"}`);

    const info = machineInfo();
    const body = [
      `### Memory under abuse — ${DB_LABEL[db]}`,
      '',
      `${new Date().toISOString().slice(0, 10)}; ${info.cpu}, ${info.cores} cores, ${info.memory}; ${info.platform}; git ${info.git}.`,
      `${fmt(options.inventories)} inventories of ${fmt(options.keys)} keys (${mib(largeInventory(options.keys, 0).length)} each, all different) over ${options.connections} connections, default settings.`,
      '',
      markdownTable(
        ['measure', 'value'],
        [
          ['RSS peak while starting (VmHWM)', mib(startPeak)],
          [`RSS idle (${options.idleSeconds} s after start)`, mib(idle)],
          ['answers', [...statuses].map(([status, count]) => `${fmt(count)} × ${status}`).join(', ')],
          ['sent in', `${fmt(sendSeconds, 1)} s`],
          ['processed within', `${fmt(processSeconds, 1)} s after the last answer`],
          ['RSS peak while sending and processing', mib(peak)],
          [
            'inventory caches after processing (estimated)',
            `${mib(pool(gauges, 'inventory_received_cache'))} received, ${mib(pool(gauges, 'inventory_snapshot_cache'))} latest`,
          ],
          [
            'request bodies in flight at the end of sending',
            mib(pool(bodiesPeak, 'request_bodies_in_flight')) === 'n/a' ? '0' : mib(pool(bodiesPeak, 'request_bodies_in_flight')),
          ],
          ['RSS once processed', mib(processed)],
          [`RSS ${options.idleSeconds} s later`, mib(after)],
          ['of which V8 heap (then)', heap],
          ...(db === 'pglite' ? [['of which WASM memory (resident, then)', mib(wasm)]] : []),
        ],
      ),
    ].join('\n');
    console.log(`\n${body}\n`);
    await writeBenchmarkSection('memory', db, body);
  } finally {
    await release();
    await scratch?.drop();
  }
}

export async function runMemoryBench(options: MemoryBenchOptions): Promise<void> {
  for (const db of options.dbs) await runOne(db, options);
}
