import type { Sql } from '../../db/db.ts';
import type { LivenessStatus } from '../systems/index.ts';
import type { StatusChange } from './availability.ts';

export interface HealthSubject {
  id: string;
  createdAt: Date;
  registeredAt: Date | null;
  lastInventoryAt: Date | null;
}

export interface SeverityCounts {
  [severity: string]: number;
}

/** Transitions read per request at most: a system flapping all week cannot exhaust memory. */
const MAX_TRANSITIONS = 200_000;

export interface HealthStore {
  /** The systems among `ids` (in `organizationIds` when given). */
  subjects(ids: readonly string[], organizationIds?: readonly string[]): Promise<HealthSubject[]>;
  /** Each system's status at `at`: the target of its last transition before then. */
  statusesAt(ids: readonly string[], at: Date): Promise<Map<string, LivenessStatus>>;
  /** Transitions in [from, to), oldest first, per system. */
  transitions(ids: readonly string[], from: Date, to: Date): Promise<Map<string, StatusChange[]>>;
  significantChanges(ids: readonly string[], since: Date): Promise<Map<string, SeverityCounts>>;
  firingAlerts(ids: readonly string[]): Promise<Map<string, SeverityCounts>>;
}

/** The inputs of availability and health scores, read for many systems in a few statements. */
export function createHealthStore(sql: Sql): HealthStore {
  async function countBySeverity(text: string, params: unknown[]): Promise<Map<string, SeverityCounts>> {
    const { rows } = await sql.query<{ system_id: string; severity: string; count: number }>(text, params);
    const counts = new Map<string, SeverityCounts>();
    for (const row of rows) {
      const entry = counts.get(row.system_id) ?? {};
      entry[row.severity] = row.count;
      counts.set(row.system_id, entry);
    }
    return counts;
  }

  return {
    async subjects(ids: readonly string[], organizationIds?: readonly string[]): Promise<HealthSubject[]> {
      const { rows } = await sql.query<{ id: string; created_at: Date; registered_at: Date | null; last_inventory_at: Date | null }>(
        'SELECT id, created_at, registered_at, last_inventory_at FROM systems WHERE id = ANY($1::uuid[]) AND ($2::uuid[] IS NULL OR organization_id = ANY($2::uuid[]))',
        [ids, organizationIds ?? null],
      );
      return rows.map((row) => ({ id: row.id, createdAt: row.created_at, registeredAt: row.registered_at, lastInventoryAt: row.last_inventory_at }));
    },

    async statusesAt(ids: readonly string[], at: Date): Promise<Map<string, LivenessStatus>> {
      const { rows } = await sql.query<{ system_id: string; to_status: LivenessStatus }>(
        `SELECT DISTINCT ON (system_id) system_id, to_status FROM liveness_events
         WHERE system_id = ANY($1::uuid[]) AND occurred_at < $2
         ORDER BY system_id, occurred_at DESC, id DESC`,
        [ids, at],
      );
      return new Map(rows.map((row) => [row.system_id, row.to_status]));
    },

    async transitions(ids: readonly string[], from: Date, to: Date): Promise<Map<string, StatusChange[]>> {
      const { rows } = await sql.query<{ system_id: string; to_status: LivenessStatus; occurred_at: Date }>(
        `SELECT system_id, to_status, occurred_at FROM liveness_events
         WHERE system_id = ANY($1::uuid[]) AND occurred_at >= $2 AND occurred_at < $3
         ORDER BY system_id, occurred_at, id LIMIT ${MAX_TRANSITIONS}`,
        [ids, from, to],
      );
      const changes = new Map<string, StatusChange[]>();
      for (const row of rows) {
        const list = changes.get(row.system_id) ?? [];
        list.push({ at: row.occurred_at, to: row.to_status });
        changes.set(row.system_id, list);
      }
      return changes;
    },

    significantChanges(ids: readonly string[], since: Date): Promise<Map<string, SeverityCounts>> {
      return countBySeverity(
        `SELECT system_id, severity, count(*)::int AS count FROM inventory_diffs
         WHERE system_id = ANY($1::uuid[]) AND significant AND detected_at >= $2 GROUP BY system_id, severity`,
        [ids, since],
      );
    },

    firingAlerts(ids: readonly string[]): Promise<Map<string, SeverityCounts>> {
      return countBySeverity(
        `SELECT system_id, severity, count(*)::int AS count FROM alerts
         WHERE system_id = ANY($1::uuid[]) AND status = 'firing' GROUP BY system_id, severity`,
        [ids],
      );
    },
  };
}
