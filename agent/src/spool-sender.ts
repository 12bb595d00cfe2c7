import type { CredentialsGate } from './credentials-gate.ts';
import type { Logger } from './log.ts';
import type { MusterClient } from './muster-client.ts';
import { interruptibleSleep } from './schedule.ts';
import type { RecordKind, Spool } from './spool.ts';
import type { StatusFile } from './status-file.ts';

export const PATHS: Record<RecordKind | 'heartbeat', string> = {
  heartbeat: '/api/systems/heartbeat',
  inventory: '/api/systems/inventory',
  metrics: '/api/systems/metrics',
};

export interface SenderDeps {
  spool: Spool;
  client: () => MusterClient;
  gate: CredentialsGate;
  status: StatusFile;
  log: Logger;
  retryMaxMs: number;
  random?: () => number;
}

/** What one pass over the spool ended on. */
export type PassResult = 'empty' | 'retry-later' | 'refused' | 'stopped';

/**
 * Sends the spool's records strictly oldest first, one at a time; a record leaves the spool only
 * once Muster answered 2xx. Unreachable, 408, 429 and 5xx are retried with exponential backoff
 * (from 1 s, doubling to `retryMaxMs`, half of each wait random), never sooner than Retry-After;
 * a 401 closes the gate; any other 4xx sets the record aside so that it cannot block the queue.
 */
export function createSpoolSender(deps: SenderDeps) {
  const random = deps.random ?? Math.random;
  let failures = 0;
  let stopped = false;
  let onStop = () => {};
  const stopping = new Promise<void>((resolve) => (onStop = resolve));
  let sleeping: ReturnType<typeof interruptibleSleep> | undefined;

  /** One record: true to go on with the next, or why to stop. */
  async function sendOldest(): Promise<true | 'empty' | 'refused' | { retryInMs: number }> {
    if (deps.gate.refusal !== undefined) return 'refused';
    const record = await deps.spool.oldest();
    if (!record) return 'empty';
    const sent = await deps.client().post(PATHS[record.kind], record.body, { compress: true });
    const { outcome } = sent;
    const fields = { kind: record.kind, seq: record.seq, json_bytes: sent.jsonBytes, wire_bytes: sent.wireBytes };
    switch (outcome.kind) {
      case 'ok':
        await deps.spool.remove(record.seq);
        failures = 0;
        deps.log.info('record sent', fields);
        await deps.status.update((status) => void (status.lastSuccess[record.kind] = new Date().toISOString()));
        return true;
      case 'rejected':
        await deps.spool.setAside(record.seq);
        deps.log.warn("record refused by Muster, set aside in the spool's rejected/ folder", { ...fields, reason: outcome.reason });
        await deps.status.update((status) => {
          status.rejectedRecords++;
          status.lastError = { at: new Date().toISOString(), kind: record.kind, message: outcome.reason };
        });
        return true;
      case 'unauthorized':
        refuse(deps, record.kind, outcome.reason);
        return 'refused';
      case 'retry': {
        failures++;
        const backoff = Math.min(deps.retryMaxMs, 1000 * 2 ** (failures - 1));
        const retryInMs = Math.max(outcome.retryAfterMs ?? 0, backoff / 2 + (random() * backoff) / 2);
        deps.log.warn('Muster cannot take the record now; it stays spooled', { ...fields, reason: outcome.reason, retry_in_ms: Math.round(retryInMs) });
        await deps.status.update((status) => void (status.lastError = { at: new Date().toISOString(), kind: record.kind, message: outcome.reason }));
        return { retryInMs };
      }
    }
  }

  return {
    /** Sends until the spool is empty or a send fails (`once`). */
    async pass(): Promise<PassResult> {
      for (;;) {
        const result = await sendOldest();
        if (result === true) continue;
        return typeof result === 'object' ? 'retry-later' : result;
      }
    },

    /** The daemon's loop: sends whatever is spooled, waits for more, backs off, waits while refused. */
    async loop(): Promise<void> {
      while (!stopped) {
        const result = await sendOldest();
        if (result === true) continue;
        if (result === 'refused') {
          await Promise.race([deps.gate.opened(), stopping]);
          continue;
        }
        sleeping = interruptibleSleep(result === 'empty' ? 60_000 : result.retryInMs);
        await sleeping.done;
        sleeping = undefined;
      }
    },

    /** New record spooled: send it now unless backing off. */
    wake(): void {
      if (failures === 0) sleeping?.interrupt();
    },

    stop(): void {
      stopped = true;
      sleeping?.interrupt();
      onStop();
    },
  };
}

/** A 401 closes the gate and says what to do about it (once, not at every report). */
export function refuse(deps: Pick<SenderDeps, 'gate' | 'log' | 'status'>, kind: string, reason: string): void {
  if (deps.gate.refusal !== undefined) return;
  deps.gate.refuse(reason);
  deps.log.error(
    'Muster refused the credentials (401): nothing more is sent until a new secret is stored. The secret was probably regenerated, or the system suspended or deleted; store the new one with: muster-agent register --url URL --secret NEW_SECRET',
    { kind, reason },
  );
  void deps.status.update((status) => {
    const at = new Date().toISOString();
    status.refused = { at, reason };
    status.lastError = { at, kind, message: reason };
  });
}
