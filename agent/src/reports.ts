import { canonicalHash } from './canonical-hash.ts';
import type { Collector } from './collect/collector.ts';
import type { CredentialsGate } from './credentials-gate.ts';
import type { Logger } from './log.ts';
import type { MusterClient } from './muster-client.ts';
import type { Spool } from './spool.ts';
import { PATHS, refuse } from './spool-sender.ts';
import type { StatusFile } from './status-file.ts';

export interface ReportDeps {
  collector: Collector;
  spool: Spool;
  client: () => MusterClient;
  gate: CredentialsGate;
  status: StatusFile;
  log: Logger;
}

/** A heartbeat is sent at once and never spooled: only the latest one matters. */
export async function sendHeartbeat(deps: ReportDeps): Promise<boolean> {
  if (deps.gate.refusal !== undefined) return false;
  const { outcome } = await deps.client().post(PATHS.heartbeat, {});
  if (outcome.kind === 'ok') {
    await deps.status.update((status) => void (status.lastSuccess.heartbeat = new Date().toISOString()));
    return true;
  }
  if (outcome.kind === 'unauthorized') refuse(deps, 'heartbeat', outcome.reason);
  else {
    deps.log.warn('heartbeat not sent; the next one is due at the next interval', { reason: outcome.reason });
    await deps.status.update((status) => void (status.lastError = { at: new Date().toISOString(), kind: 'heartbeat', message: outcome.reason }));
  }
  return false;
}

/** Collects a metrics sample, stamped with its collection time (so a resend is recognised), into the spool. */
export async function spoolMetrics(deps: ReportDeps): Promise<void> {
  const started = performance.now();
  const sample = { ...(await deps.collector.metrics()), timestamp: new Date().toISOString() };
  const collectMs = performance.now() - started;
  await append(deps, 'metrics', sample, { collect_ms: Math.round(collectMs) });
}

/**
 * Collects the inventory and spools it when its canonical hash differs from the last one spooled,
 * or when `everyMs` has passed since (`force` for `once inventory`). Answers whether it spooled.
 */
export async function spoolInventoryIfDue(deps: ReportDeps, everyMs: number, force = false): Promise<boolean> {
  const started = performance.now();
  const inventory = await deps.collector.inventory();
  const collectMs = performance.now() - started;
  const hash = canonicalHash(inventory);
  const current = await deps.status.read();
  const lastAt = current.inventorySpooledAt === undefined ? 0 : Date.parse(current.inventorySpooledAt);
  const changed = hash !== current.inventoryHash;
  if (!force && !changed && Date.now() - lastAt < everyMs) return false;
  await append(deps, 'inventory', inventory, { collect_ms: Math.round(collectMs), hash, changed });
  await deps.status.update((status) => {
    status.inventoryHash = hash;
    status.inventorySpooledAt = new Date().toISOString();
  });
  return true;
}

async function append(deps: ReportDeps, kind: 'inventory' | 'metrics', body: unknown, fields: Record<string, unknown>): Promise<void> {
  const { seq, dropped } = await deps.spool.append(kind, body);
  deps.log.info('record spooled', { kind, seq, ...fields });
  if (dropped > 0) {
    const status = await deps.status.update((next) => void (next.droppedRecords += dropped));
    deps.log.warn('spool full: dropped its oldest records', { dropped, dropped_total: status.droppedRecords });
  }
}
