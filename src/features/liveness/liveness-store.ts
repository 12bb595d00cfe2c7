import type { Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';
import type { LivenessStatus, Thresholds, Transition } from './liveness-rules.ts';

export interface Heartbeat {
  systemId: string;
  at: Date;
}

export interface DueSystem {
  systemId: string;
  organizationId: string;
  status: LivenessStatus;
  lastHeartbeat: Date | null;
  heartbeatTimeoutMinutes: number | null;
  heartbeatWarningMinutes: number | null;
}

export interface LivenessUpdate {
  systemId: string;
  organizationId: string;
  status: LivenessStatus;
  nextCheckAt: Date | null;
  transitions: Transition[];
}

export interface LivenessEvent {
  id: number;
  systemId: string;
  organizationId: string;
  fromStatus: LivenessStatus;
  toStatus: LivenessStatus;
  occurredAt: Date;
  recordedAt: Date;
}

interface LivenessEventRow {
  id: number;
  system_id: string;
  organization_id: string;
  from_status: LivenessStatus;
  to_status: LivenessStatus;
  occurred_at: Date;
  recorded_at: Date;
}

// The first deadline after a heartbeat: the warning threshold when it is on (and below the
// timeout), else the timeout. Mirrors effectiveThresholds/evaluateLiveness in liveness-rules.ts;
// the scanner re-evaluates every row it wakes for, so a deadline is only ever a wake-up time.
const FIRST_DEADLINE_MINUTES = `CASE WHEN k.warning_minutes > 0 AND k.warning_minutes < k.timeout_minutes
  THEN k.warning_minutes ELSE k.timeout_minutes END`;

/**
 * Records a batch of heartbeats in one statement: every system becomes active, its deadline
 * moves, and each one that was not active gets a transition event. Rows are locked in id order
 * so concurrent batches (from this or another node) cannot deadlock. Systems that were
 * suspended, deleted or destroyed meanwhile are left out; their ids are not returned.
 */
const RECORD_HEARTBEATS = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS input (system_id, beat_at)
),
locked AS (
  SELECT l.system_id, l.status AS old_status, l.last_heartbeat AS old_heartbeat, s.organization_id, input.beat_at,
         coalesce(o.heartbeat_timeout_minutes, $3::int) AS timeout_minutes,
         coalesce(o.heartbeat_warning_minutes, $4::int) AS warning_minutes
  FROM input
  JOIN system_liveness l ON l.system_id = input.system_id
  JOIN systems s ON s.id = l.system_id
  JOIN organizations o ON o.id = s.organization_id
  WHERE s.registered_at IS NOT NULL AND s.suspended_at IS NULL AND s.deleted_at IS NULL
  ORDER BY l.system_id
  FOR UPDATE OF l
),
updated AS (
  UPDATE system_liveness l SET
    status = 'active',
    last_heartbeat = greatest(k.old_heartbeat, k.beat_at),
    status_changed_at = CASE WHEN k.old_status = 'active' THEN l.status_changed_at ELSE k.beat_at END,
    next_check_at = greatest(k.old_heartbeat, k.beat_at) + make_interval(mins => ${FIRST_DEADLINE_MINUTES})
  FROM locked k
  WHERE l.system_id = k.system_id
  RETURNING l.system_id
),
events AS (
  INSERT INTO liveness_events (system_id, organization_id, from_status, to_status, occurred_at, recorded_at)
  SELECT system_id, organization_id, old_status, 'active', beat_at, beat_at FROM locked WHERE old_status <> 'active'
)
SELECT system_id FROM updated`;

function toEvent(row: LivenessEventRow): LivenessEvent {
  return {
    id: row.id,
    systemId: row.system_id,
    organizationId: row.organization_id,
    fromStatus: row.from_status,
    toStatus: row.to_status,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
  };
}

export function createLivenessStore(sql: Sql) {
  return {
    /** Returns the ids of the systems whose heartbeat was stored. */
    async recordHeartbeats(beats: readonly Heartbeat[], defaults: Thresholds): Promise<Set<string>> {
      const { rows } = await sql.query<{ system_id: string }>(RECORD_HEARTBEATS, [
        beats.map((beat) => beat.systemId),
        // ISO strings: the driver's own Date formatting is slow for arrays of hundreds.
        beats.map((beat) => beat.at.toISOString()),
        defaults.timeoutMinutes,
        defaults.warningMinutes,
      ], { prepareAs: 'record_heartbeats' });
      return new Set(rows.map((row) => row.system_id));
    },

    /** Locks and returns up to `limit` systems whose deadline has passed; rows another node holds are skipped. */
    async claimDue(tx: Sql, now: Date, limit: number): Promise<DueSystem[]> {
      const { rows } = await tx.query<{
        system_id: string;
        organization_id: string;
        status: LivenessStatus;
        last_heartbeat: Date | null;
        heartbeat_timeout_minutes: number | null;
        heartbeat_warning_minutes: number | null;
      }>(
        `SELECT l.system_id, s.organization_id, l.status, l.last_heartbeat,
                o.heartbeat_timeout_minutes, o.heartbeat_warning_minutes
         FROM system_liveness l
         JOIN systems s ON s.id = l.system_id
         JOIN organizations o ON o.id = s.organization_id
         WHERE l.next_check_at <= $1
         ORDER BY l.next_check_at
         LIMIT $2
         FOR UPDATE OF l SKIP LOCKED`,
        [now, limit],
      );
      return rows.map((row) => ({
        systemId: row.system_id,
        organizationId: row.organization_id,
        status: row.status,
        lastHeartbeat: row.last_heartbeat,
        heartbeatTimeoutMinutes: row.heartbeat_timeout_minutes,
        heartbeatWarningMinutes: row.heartbeat_warning_minutes,
      }));
    },

    /** Stores new statuses and deadlines, and one event per transition, for rows claimed in `tx`. */
    async applyUpdates(tx: Sql, updates: readonly LivenessUpdate[], recordedAt: Date): Promise<void> {
      if (updates.length === 0) return;
      await tx.query(
        `UPDATE system_liveness l SET
           status = u.status,
           status_changed_at = CASE WHEN u.status = l.status THEN l.status_changed_at ELSE u.changed_at END,
           next_check_at = u.next_check_at
         FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS u (system_id, status, changed_at, next_check_at)
         WHERE l.system_id = u.system_id`,
        [
          updates.map((update) => update.systemId),
          updates.map((update) => update.status),
          updates.map((update) => update.transitions.at(-1)?.at ?? null),
          updates.map((update) => update.nextCheckAt),
        ],
      );
      const events = updates.flatMap((update) =>
        update.transitions.map((transition) => ({ ...transition, systemId: update.systemId, organizationId: update.organizationId })),
      );
      if (events.length === 0) return;
      await tx.query(
        `INSERT INTO liveness_events (system_id, organization_id, from_status, to_status, occurred_at, recorded_at)
         SELECT system_id, organization_id, from_status, to_status, occurred_at, $6
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[])
           AS e (system_id, organization_id, from_status, to_status, occurred_at)`,
        [
          events.map((event) => event.systemId),
          events.map((event) => event.organizationId),
          events.map((event) => event.from),
          events.map((event) => event.to),
          events.map((event) => event.at),
          recordedAt,
        ],
      );
    },

    /**
     * After an organization's thresholds change, wakes all its tracked systems so the scanner
     * re-evaluates them against the new thresholds.
     */
    async wakeOrganization(tx: Sql, organizationId: string, now: Date): Promise<void> {
      await tx.query(
        `UPDATE system_liveness l SET next_check_at = $2
         FROM systems s
         WHERE s.id = l.system_id AND s.organization_id = $1 AND l.status IN ('active', 'warning')`,
        [organizationId, now],
      );
    },

    /** The same, for the systems of every organization that inherits a global threshold, after the global ones changed. */
    async wakeInheritingSystems(tx: Sql, now: Date): Promise<void> {
      await tx.query(
        `UPDATE system_liveness l SET next_check_at = $1
         FROM systems s JOIN organizations o ON o.id = s.organization_id
         WHERE s.id = l.system_id AND l.status IN ('active', 'warning')
           AND (o.heartbeat_timeout_minutes IS NULL OR o.heartbeat_warning_minutes IS NULL)`,
        [now],
      );
    },

    async listEvents(systemId: string, page: PageRequest, order: 'asc' | 'desc'): Promise<Page<LivenessEvent>> {
      const direction = order === 'asc' ? 'ASC' : 'DESC';
      const { rows: countRows } = await sql.query<{ total: number }>(
        'SELECT count(*)::int AS total FROM liveness_events WHERE system_id = $1',
        [systemId],
      );
      const { rows } = await sql.query<LivenessEventRow>(
        `SELECT * FROM liveness_events WHERE system_id = $1
         ORDER BY occurred_at ${direction}, id ${direction} LIMIT ${page.pageSize} OFFSET ${offsetOf(page)}`,
        [systemId],
      );
      return { items: rows.map(toEvent), total: countRows[0]?.total ?? 0, page: page.page, pageSize: page.pageSize };
    },
  };
}

export type LivenessStore = ReturnType<typeof createLivenessStore>;
