import type { Logger } from 'pino';
import type { Db } from '../../db/db.ts';
import { createPeerReportsStore } from './peer-reports-store.ts';
import { createGroupCommit } from '../../db/group-commit.ts';
import { ServiceUnavailableError } from '../../errors/errors.ts';
import { createFailureLog } from '../../logging/failure-log.ts';

import type { PeerReport } from './peer-reports-store.ts';

export type { PeerReport } from './peer-reports-store.ts';

export interface PeerReports {
  /** Keeps a component's latest report (JSON text); resolves once committed, 503 when it cannot be. */
  record(systemId: string, receivedAt: Date, reportJson: string): Promise<void>;
  /** The latest reports of a dialect's live components in an organization, by external id. */
  list(organizationId: string, source: string): Promise<PeerReport[]>;
  /** How many live components of a dialect in an organization have a report. */
  count(organizationId: string, source: string): Promise<number>;
  /** One component's latest report; undefined when it has none or is not live. */
  find(organizationId: string, source: string, externalId: string): Promise<PeerReport | undefined>;
  drain(): Promise<void>;
}

interface Pending {
  systemId: string;
  receivedAt: Date;
  json: string;
  waiters: { resolve: () => void; reject: (error: Error) => void }[];
}

const MAX_BATCH = 500;

/**
 * The latest report of each dialect component, group-committed (ADR 0004) as heartbeats are:
 * a system's reports that meet in one batch are one write, of the latest.
 */
export function createPeerReports(options: { db: Db; logger: Logger; maxPending: number }): PeerReports {
  const store = createPeerReportsStore(options.db);
  const logFailure = createFailureLog(options.logger);
  let pending = new Map<string, Pending>();
  let waiting = 0;

  async function write(batch: Map<string, Pending>): Promise<() => void> {
    const entries = [...batch.values()];
    const count = entries.reduce((sum, entry) => sum + entry.waiters.length, 0);
    try {
      await store.upsert(entries);
    } catch (error) {
      waiting -= count;
      return () => {
        logFailure(error, { batchSize: entries.length }, 'peer reports could not be stored');
        const unavailable = new ServiceUnavailableError('failed to store the report', 1);
        for (const entry of entries) for (const waiter of entry.waiters) waiter.reject(unavailable);
      };
    }
    waiting -= count;
    return () => {
      for (const entry of entries) for (const waiter of entry.waiters) waiter.resolve();
    };
  }

  const commits = createGroupCommit({
    maxConcurrentWrites: 1,
    hasWaiting: () => pending.size > 0,
    takeBatch: () => {
      if (pending.size <= MAX_BATCH) {
        const batch = pending;
        pending = new Map();
        return batch;
      }
      const batch = new Map<string, Pending>();
      for (const [id, entry] of pending) {
        if (batch.size >= MAX_BATCH) break;
        batch.set(id, entry);
        pending.delete(id);
      }
      return batch;
    },
    write,
  });

  return {
    record(systemId, receivedAt, json) {
      if (waiting >= options.maxPending) return Promise.reject(new ServiceUnavailableError('too many reports waiting to be stored; retry shortly', 1));
      return new Promise<void>((resolve, reject) => {
        const existing = pending.get(systemId);
        if (existing) {
          if (receivedAt >= existing.receivedAt) {
            existing.receivedAt = receivedAt;
            existing.json = json;
          }
          existing.waiters.push({ resolve, reject });
        } else {
          pending.set(systemId, { systemId, receivedAt, json, waiters: [{ resolve, reject }] });
        }
        waiting++;
        commits.schedule();
      });
    },

    list: (organizationId, source) => store.list(organizationId, source),
    count: (organizationId, source) => store.count(organizationId, source),
    find: (organizationId, source, externalId) => store.find(organizationId, source, externalId),

    drain: commits.drain,
  };
}
