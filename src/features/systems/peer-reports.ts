import type { Logger } from 'pino';
import type { Db } from '../../db/db.ts';
import { createGroupCommit } from '../../db/group-commit.ts';
import { ServiceUnavailableError } from '../../errors/errors.ts';
import { createFailureLog } from '../../logging/failure-log.ts';

/** A live component's latest report, as its peer sent it. */
export interface PeerReport {
  systemId: string;
  externalId: string;
  suspended: boolean;
  receivedAt: Date;
  report: unknown;
}

export interface PeerReports {
  /** Keeps a component's latest report (JSON text); resolves once committed, 503 when it cannot be. */
  record(systemId: string, receivedAt: Date, reportJson: string): Promise<void>;
  /** The latest reports of a dialect's live components in an organization, by external id. */
  list(organizationId: string, source: string): Promise<PeerReport[]>;
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
  const { db } = options;
  const logFailure = createFailureLog(options.logger);
  let pending = new Map<string, Pending>();
  let waiting = 0;

  async function write(batch: Map<string, Pending>): Promise<() => void> {
    const entries = [...batch.values()];
    const count = entries.reduce((sum, entry) => sum + entry.waiters.length, 0);
    try {
      await db.query(
        `INSERT INTO peer_reports (system_id, received_at, report)
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::jsonb[])
         ON CONFLICT (system_id) DO UPDATE SET received_at = excluded.received_at, report = excluded.report
           WHERE excluded.received_at >= peer_reports.received_at`,
        [entries.map((e) => e.systemId), entries.map((e) => e.receivedAt), entries.map((e) => e.json)],
        { prepareAs: 'peer-reports-upsert' },
      );
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

  const present = (row: { system_id: string; external_id: string; suspended: boolean; received_at: Date; report: unknown }): PeerReport => ({
    systemId: row.system_id,
    externalId: row.external_id,
    suspended: row.suspended,
    receivedAt: row.received_at,
    report: row.report,
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

    async list(organizationId, source) {
      const { rows } = await db.query<{ system_id: string; external_id: string; suspended: boolean; received_at: Date; report: unknown }>(
        `SELECT s.id AS system_id, s.external_id, s.suspended_at IS NOT NULL AS suspended, r.received_at, r.report
         FROM systems s JOIN peer_reports r ON r.system_id = s.id
         WHERE s.organization_id = $1 AND s.source = $2 AND s.external_id IS NOT NULL AND s.deleted_at IS NULL
         ORDER BY s.external_id`,
        [organizationId, source],
      );
      return rows.map(present);
    },

    async find(organizationId, source, externalId) {
      const { rows } = await db.query<{ system_id: string; external_id: string; suspended: boolean; received_at: Date; report: unknown }>(
        `SELECT s.id AS system_id, s.external_id, s.suspended_at IS NOT NULL AS suspended, r.received_at, r.report
         FROM systems s JOIN peer_reports r ON r.system_id = s.id
         WHERE s.organization_id = $1 AND s.source = $2 AND s.external_id = $3 AND s.deleted_at IS NULL`,
        [organizationId, source, externalId],
      );
      return rows[0] ? present(rows[0]) : undefined;
    },

    drain: commits.drain,
  };
}
