import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ownLikeItsDirectory } from './file-ownership.ts';

export type ReportKind = 'heartbeat' | 'inventory' | 'metrics';

/** What `status` shows, kept in STATE_DIR/status.json by whichever command last did something. */
export interface AgentStatus {
  lastSuccess: Partial<Record<ReportKind, string>>;
  lastError: { at: string; kind: string; message: string } | undefined;
  /** Set while Muster refuses the credentials (401): nothing is sent until the secret changes. */
  refused: { at: string; reason: string } | undefined;
  droppedRecords: number;
  rejectedRecords: number;
  /** The canonical hash of the last inventory spooled, and when. */
  inventoryHash: string | undefined;
  inventorySpooledAt: string | undefined;
}

export interface StatusFile {
  read(): Promise<AgentStatus>;
  update(change: (status: AgentStatus) => void): Promise<AgentStatus>;
}

const EMPTY: AgentStatus = {
  lastSuccess: {},
  lastError: undefined,
  refused: undefined,
  droppedRecords: 0,
  rejectedRecords: 0,
  inventoryHash: undefined,
  inventorySpooledAt: undefined,
};

export function statusFile(stateDir: string): StatusFile {
  const file = path.join(stateDir, 'status.json');
  const read = async (): Promise<AgentStatus> => {
    try {
      return { ...EMPTY, ...(JSON.parse(await readFile(file, 'utf8')) as Partial<AgentStatus>) };
    } catch {
      return structuredClone(EMPTY);
    }
  };
  // Updates are chained so that concurrent ones within a process do not lose each other's change.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    read,
    update(change) {
      const next = chain.then(async () => {
        const status = await read();
        change(status);
        const temporary = `${file}.${process.pid}.tmp`;
        await writeFile(temporary, `${JSON.stringify(status, null, 2)}\n`, { mode: 0o600 });
        await ownLikeItsDirectory(temporary);
        await rename(temporary, file);
        return status;
      });
      chain = next.catch(() => undefined);
      return next;
    },
  };
}
