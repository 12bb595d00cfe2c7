import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AgentContext } from './agent-context.ts';
import { canonicalHash } from './canonical-hash.ts';
import { createFixtureCollector, createMachineCollector } from './collect/collector.ts';
import { pidLock } from './pid-lock.ts';
import { sendHeartbeat, spoolInventoryIfDue, spoolMetrics } from './reports.ts';
import type { Settings } from './settings.ts';
import { openSpool } from './spool.ts';
import { createSpoolSender } from './spool-sender.ts';
import { statusFile } from './status-file.ts';

/** `once KIND`: a heartbeat is sent; an inventory or metrics sample is spooled, then the spool sent unless the daemon runs (it sends it). */
export async function once(context: AgentContext, kind: 'heartbeat' | 'inventory' | 'metrics'): Promise<number> {
  if (kind === 'heartbeat') {
    const sent = await sendHeartbeat(context);
    console.log(sent ? 'heartbeat acknowledged' : 'heartbeat not sent (see the log above)');
    return sent ? 0 : 1;
  }
  if (kind === 'inventory') await spoolInventoryIfDue(context, 0, true);
  else await spoolMetrics(context);
  const lock = pidLock(context.settings.stateDir);
  const acquired = await lock.acquire();
  if (!acquired.acquired) {
    // SIGHUP has the daemon send its spool now (when it may be signalled: root, or its own user).
    const woken = signal(acquired.pid, 'SIGHUP');
    console.log(`${kind} spooled; the running agent (pid ${acquired.pid}) sends it${woken ? '' : ' with its next report'}`);
    return 0;
  }
  try {
    const result = await createSpoolSender({ ...context, retryMaxMs: 0 }).pass();
    console.log(result === 'empty' ? `${kind} sent` : `${kind} spooled, not sent yet (${result}); the daemon or the next once sends it`);
    return result === 'empty' ? 0 : 1;
  } finally {
    await lock.release();
  }
}

/** `collect`: what would be sent, with the inventory's hash and each body's size plain and gzip-compressed. */
export async function collectForReview(settings: Settings): Promise<number> {
  const collector = settings.fixture === undefined ? createMachineCollector(settings.custom) : createFixtureCollector(settings.fixture);
  const started = performance.now();
  const inventory = await collector.inventory();
  const inventoryMs = performance.now() - started;
  const metricsStarted = performance.now();
  const metrics = { ...(await collector.metrics()), timestamp: new Date().toISOString() };
  const metricsMs = performance.now() - metricsStarted;
  const sizes = (body: unknown) => {
    const json = Buffer.from(JSON.stringify(body));
    return { json_bytes: json.length, gzip_bytes: gzipSync(json).length };
  };
  const review = {
    inventory,
    inventory_hash: canonicalHash(inventory),
    metrics,
    collection: {
      inventory: { ms: Math.round(inventoryMs), ...sizes(inventory) },
      metrics: { ms: Math.round(metricsMs), ...sizes(metrics) },
    },
  };
  console.log(JSON.stringify(review, null, 2));
  return 0;
}

/** `status`: the status file, the spool's size and the daemon's pid, as JSON. */
export async function showStatus(settings: Settings): Promise<number> {
  const status = await statusFile(settings.stateDir).read();
  const spool = await (await openSpool(path.join(settings.stateDir, 'spool'), settings.spoolMaxBytes)).size();
  const daemon = await pidLock(settings.stateDir).holder();
  const report = {
    url: settings.url ?? null,
    system_key: settings.systemKey ?? null,
    registered: settings.systemKey !== undefined && settings.systemSecret !== undefined,
    daemon_pid: daemon ?? null,
    last_success: status.lastSuccess,
    last_error: status.lastError ?? null,
    refused: status.refused ?? null,
    spool: { records: spool.records, bytes: spool.bytes, dropped_records: status.droppedRecords, rejected_records: status.rejectedRecords },
    last_inventory: { hash: status.inventoryHash ?? null, spooled_at: status.inventorySpooledAt ?? null },
  };
  console.log(JSON.stringify(report, null, 2));
  return 0;
}

function signal(pid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(pid, name);
    return true;
  } catch {
    return false;
  }
}
