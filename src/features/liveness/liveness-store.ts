import type { Sql } from '../../db/db.ts';
import { arrayLiteral, timesLiteral } from '../../db/array-literal.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';
import type { Thresholds } from '../organizations/index.ts';
import type { LivenessStatus } from '../systems/index.ts';
import type { Transition } from './liveness-rules.ts';

/** The settings row holding the global thresholds the deadlines were last computed with. */
const GLOBAL_THRESHOLDS_KEY = 'liveness_thresholds';

/** What a peer said of itself in a heartbeat, kept as sent (the heartbeat-daemon's Status and Timestamp). */
export interface HeartbeatReport {
  status: string;
  time: string;
}

export interface Heartbeat {
  systemId: string;
  at: Date;
  report?: HeartbeatReport;
}

/** A transition of a system a dialect created, waiting for that dialect's relay. */
export interface ForwardedTransition {
  eventId: number;
  systemId: string;
  organizationId: string;
  externalId: string;
  fromStatus: LivenessStatus;
  toStatus: LivenessStatus;
  occurredAt: Date;
}

/** A peer component's last heartbeat as stored, by its external id. */
export interface PeerHeartbeat {
  lastHeartbeat: Date | null;
  report: HeartbeatReport | null;
}

export interface DueSystem {
  systemId: string;
  organizationId: string;
  status: LivenessStatus;
  lastHeartbeat: Date | null;
  heartbeatTimeoutSeconds: number | null;
  heartbeatWarningSeconds: number | null;
}

export interface LivenessUpdate {
  systemId: string;
  organizationId: string;
  status: LivenessStatus;
  nextCheckAt: Date | null;
  transitions: Transition[];
}

/** A transition waiting for the alerts it calls for. */
export interface UnalertedEvent {
  id: number;
  systemId: string;
  systemName: string;
  /** Neither deleted nor suspended: its transitions raise alerts (they still resolve them otherwise). */
  watched: boolean;
  fromStatus: LivenessStatus;
  toStatus: LivenessStatus;
  occurredAt: Date;
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

/**
 * Records a batch of heartbeats in one statement. A system that was already active only gets
 * its last_heartbeat moved: its deadline (next_check_at) is left where it is, so the update
 * touches no indexed column and PostgreSQL can make it a heap-only (HOT) update, with no index
 * writes. When the deadline comes, the scanner re-evaluates from the latest heartbeat and moves
 * it forward (see docs/adr/0005). A system that was not active becomes active, gets an event,
 * and is made due at once so the scanner sets its first deadline. Rows are locked in id order
 * so concurrent batches (from this or another node) cannot deadlock. Systems that were
 * suspended, deleted or destroyed meanwhile are left out, and only their ids are returned
 * (usually none: no rows to send and parse).
 */
function recordHeartbeatsStatement(withReports: boolean): string {
  const input = withReports
    ? 'SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[]) AS input (system_id, beat_at, reported_status, reported_time)'
    : 'SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) AS input (system_id, beat_at)';
  return `
WITH input AS (
  ${input}
),
locked AS (
  SELECT l.system_id, l.status AS old_status, s.organization_id, s.source IS NOT NULL AS forward, input.beat_at${
    withReports ? ', input.reported_status, input.reported_time' : ''
  }
  FROM input
  JOIN system_liveness l ON l.system_id = input.system_id
  -- Looked up by primary key for each input row whatever the planner's statistics say (OFFSET 0
  -- keeps the subquery from being merged into the join): a table that grew fast since it was
  -- last analyzed (a fleet's first minute) otherwise gets scanned whole for every batch.
  CROSS JOIN LATERAL (
    SELECT s.organization_id, s.source FROM systems s
    WHERE s.id = input.system_id AND s.registered_at IS NOT NULL AND s.suspended_at IS NULL AND s.deleted_at IS NULL
    OFFSET 0
  ) s
  ORDER BY l.system_id
  FOR UPDATE OF l
),
updated AS (
  UPDATE system_liveness l SET
    status = 'active',
    last_heartbeat = greatest(l.last_heartbeat, k.beat_at),
    status_changed_at = CASE WHEN k.old_status = 'active' THEN l.status_changed_at ELSE k.beat_at END,
    next_check_at = CASE WHEN k.old_status = 'active' THEN l.next_check_at ELSE k.beat_at END${
      withReports
        ? `,
    reported_status = CASE WHEN k.beat_at >= l.last_heartbeat OR l.last_heartbeat IS NULL THEN coalesce(k.reported_status, l.reported_status) ELSE l.reported_status END,
    reported_time = CASE WHEN k.beat_at >= l.last_heartbeat OR l.last_heartbeat IS NULL THEN coalesce(k.reported_time, l.reported_time) ELSE l.reported_time END`
        : ''
    }
  FROM locked k
  WHERE l.system_id = k.system_id
  RETURNING l.system_id
),
events AS (
  INSERT INTO liveness_events (system_id, organization_id, from_status, to_status, occurred_at, recorded_at, forward_pending)
  SELECT system_id, organization_id, old_status, 'active', beat_at, beat_at, forward FROM locked WHERE old_status <> 'active'
)
SELECT input.system_id FROM input WHERE NOT EXISTS (SELECT 1 FROM updated WHERE updated.system_id = input.system_id)`;
}

const RECORD_HEARTBEATS = recordHeartbeatsStatement(false);
const RECORD_HEARTBEATS_WITH_REPORTS = recordHeartbeatsStatement(true);

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

export interface LivenessStore {
  /** Stores a batch of heartbeats (one per system) and returns the ids of the systems it left out. */
  recordHeartbeats(beats: readonly Heartbeat[]): Promise<Set<string>>;
  /** Locks and returns up to `limit` systems whose deadline has passed; rows another node holds are skipped. */
  claimDue(tx: Sql, now: Date, limit: number): Promise<DueSystem[]>;
  /** Stores new statuses and deadlines, and one event per transition, for rows claimed in `tx`. */
  applyUpdates(tx: Sql, updates: readonly LivenessUpdate[], recordedAt: Date): Promise<void>;
  /**
   * After an organization's thresholds change, wakes all its tracked systems so the scanner
   * re-evaluates them against the new thresholds.
   */
  wakeOrganization(tx: Sql, organizationId: string, now: Date): Promise<void>;
  /** The same, for the systems of every organization that inherits a global threshold, after the global ones changed. */
  wakeInheritingSystems(tx: Sql, now: Date): Promise<void>;
  /**
   * Locks and returns up to `limit` transitions not yet alerted on, oldest first, with their
   * system's name and whether it is watched (neither deleted nor suspended); rows another node
   * holds are skipped.
   */
  claimUnalerted(tx: Sql, limit: number): Promise<UnalertedEvent[]>;
  markAlerted(tx: Sql, ids: readonly number[]): Promise<void>;
  /** The global thresholds the last start stored, locked until the end of `tx`. */
  lockGlobalThresholds(tx: Sql): Promise<Thresholds | undefined>;
  saveGlobalThresholds(tx: Sql, thresholds: Thresholds, now: Date): Promise<void>;
  listEvents(systemId: string, page: PageRequest, order: 'asc' | 'desc'): Promise<Page<LivenessEvent>>;
  /** The organizations with transitions waiting for the relay of `source`. */
  forwardPendingOrganizations(source: string): Promise<string[]>;
  /** Locks and returns up to `limit` waiting transitions of `source` in these organizations, oldest first. */
  claimForwarded(tx: Sql, source: string, organizationIds: readonly string[], limit: number): Promise<ForwardedTransition[]>;
  markForwarded(tx: Sql, ids: readonly number[]): Promise<void>;
  /** The id of each system's latest transition. */
  latestEventIds(systemIds: readonly string[]): Promise<Map<string, number>>;
  /** The last heartbeat of each live component of `source` named, by external id (unknown ones left out). */
  peerHeartbeats(organizationId: string, source: string, externalIds: readonly string[]): Promise<Map<string, PeerHeartbeat>>;
}

export function createLivenessStore(sql: Sql): LivenessStore {
  return {
    async recordHeartbeats(beats: readonly Heartbeat[]): Promise<Set<string>> {
      const ids = arrayLiteral(beats, (beat) => beat.systemId);
      // Reports are free text: the driver's own array encoding quotes them.
      const { rows } = beats.some((beat) => beat.report)
        ? await sql.query<{ system_id: string }>(
            RECORD_HEARTBEATS_WITH_REPORTS,
            [ids, timesLiteral(beats, (beat) => beat.at), beats.map((beat) => beat.report?.status ?? null), beats.map((beat) => beat.report?.time ?? null)],
            { prepareAs: 'record_heartbeats_with_reports' },
          )
        : await sql.query<{ system_id: string }>(RECORD_HEARTBEATS, [ids, timesLiteral(beats, (beat) => beat.at)], { prepareAs: 'record_heartbeats' });
      return new Set(rows.map((row) => row.system_id));
    },

    async claimDue(tx: Sql, now: Date, limit: number): Promise<DueSystem[]> {
      const { rows } = await tx.query<{
        system_id: string;
        organization_id: string;
        status: LivenessStatus;
        last_heartbeat: Date | null;
        heartbeat_timeout_seconds: number | null;
        heartbeat_warning_seconds: number | null;
      }>(
        `SELECT l.system_id, s.organization_id, l.status, l.last_heartbeat,
                o.heartbeat_timeout_seconds, o.heartbeat_warning_seconds
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
        heartbeatTimeoutSeconds: row.heartbeat_timeout_seconds,
        heartbeatWarningSeconds: row.heartbeat_warning_seconds,
      }));
    },

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
        `INSERT INTO liveness_events (system_id, organization_id, from_status, to_status, occurred_at, recorded_at, forward_pending)
         SELECT system_id, organization_id, from_status, to_status, occurred_at, $6,
                EXISTS (SELECT 1 FROM systems s WHERE s.id = e.system_id AND s.source IS NOT NULL)
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

    async wakeOrganization(tx: Sql, organizationId: string, now: Date): Promise<void> {
      await tx.query(
        `UPDATE system_liveness l SET next_check_at = $2
         FROM systems s
         WHERE s.id = l.system_id AND s.organization_id = $1 AND l.status IN ('active', 'warning')`,
        [organizationId, now],
      );
    },

    async wakeInheritingSystems(tx: Sql, now: Date): Promise<void> {
      await tx.query(
        `UPDATE system_liveness l SET next_check_at = $1
         FROM systems s JOIN organizations o ON o.id = s.organization_id
         WHERE s.id = l.system_id AND l.status IN ('active', 'warning')
           AND (o.heartbeat_timeout_seconds IS NULL OR o.heartbeat_warning_seconds IS NULL)`,
        [now],
      );
    },

    async claimUnalerted(tx: Sql, limit: number): Promise<UnalertedEvent[]> {
      const { rows } = await tx.query<{
        id: number;
        system_id: string;
        from_status: LivenessStatus;
        to_status: LivenessStatus;
        occurred_at: Date;
        watched: boolean;
        name: string;
      }>(
        `SELECT e.id, e.system_id, e.from_status, e.to_status, e.occurred_at, s.name,
                (s.deleted_at IS NULL AND s.suspended_at IS NULL) AS watched
         FROM liveness_events e JOIN systems s ON s.id = e.system_id
         WHERE NOT e.alerted ORDER BY e.id LIMIT $1 FOR UPDATE OF e SKIP LOCKED`,
        [limit],
      );
      return rows.map((row) => ({
        id: row.id,
        systemId: row.system_id,
        systemName: row.name,
        watched: row.watched,
        fromStatus: row.from_status,
        toStatus: row.to_status,
        occurredAt: row.occurred_at,
      }));
    },

    async markAlerted(tx: Sql, ids: readonly number[]): Promise<void> {
      if (ids.length) await tx.query('UPDATE liveness_events SET alerted = true WHERE id = ANY($1::bigint[])', [ids]);
    },

    async lockGlobalThresholds(tx: Sql): Promise<Thresholds | undefined> {
      const { rows } = await tx.query<{ value: Thresholds | { timeoutMinutes: number; warningMinutes: number } }>(
        'SELECT value FROM settings WHERE key = $1 FOR UPDATE',
        [GLOBAL_THRESHOLDS_KEY],
      );
      const value = rows[0]?.value;
      // Stored in minutes before thresholds were kept in seconds (migration 0019).
      if (value && 'timeoutMinutes' in value) return { timeoutSeconds: value.timeoutMinutes * 60, warningSeconds: value.warningMinutes * 60 };
      return value;
    },

    async saveGlobalThresholds(tx: Sql, thresholds: Thresholds, now: Date): Promise<void> {
      await tx.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        [GLOBAL_THRESHOLDS_KEY, JSON.stringify(thresholds), now],
      );
    },

    async forwardPendingOrganizations(source: string): Promise<string[]> {
      const { rows } = await sql.query<{ organization_id: string }>(
        // Per organization, through the partial index of pending events, stopping at the first:
        // the question runs every scan interval on every node and is nearly always "none".
        `SELECT o.id AS organization_id FROM organizations o
         WHERE EXISTS (
           SELECT 1 FROM liveness_events e
           WHERE e.organization_id = o.id AND e.forward_pending
             AND EXISTS (SELECT 1 FROM systems s WHERE s.id = e.system_id AND s.source = $1)
         )`,
        [source],
      );
      return rows.map((row) => row.organization_id);
    },

    async claimForwarded(tx: Sql, source: string, organizationIds: readonly string[], limit: number): Promise<ForwardedTransition[]> {
      const { rows } = await tx.query<{
        id: number;
        system_id: string;
        organization_id: string;
        external_id: string;
        from_status: LivenessStatus;
        to_status: LivenessStatus;
        occurred_at: Date;
      }>(
        `SELECT e.id, e.system_id, e.organization_id, s.external_id, e.from_status, e.to_status, e.occurred_at
         FROM liveness_events e JOIN systems s ON s.id = e.system_id
         WHERE e.forward_pending AND e.organization_id = ANY($2::uuid[]) AND s.source = $1
         ORDER BY e.id LIMIT $3 FOR UPDATE OF e SKIP LOCKED`,
        [source, organizationIds, limit],
      );
      return rows.map((row) => ({
        eventId: Number(row.id),
        systemId: row.system_id,
        organizationId: row.organization_id,
        externalId: row.external_id,
        fromStatus: row.from_status,
        toStatus: row.to_status,
        occurredAt: row.occurred_at,
      }));
    },

    async markForwarded(tx: Sql, ids: readonly number[]): Promise<void> {
      if (ids.length) await tx.query('UPDATE liveness_events SET forward_pending = false WHERE id = ANY($1::bigint[])', [ids]);
    },

    async latestEventIds(systemIds: readonly string[]): Promise<Map<string, number>> {
      if (systemIds.length === 0) return new Map();
      const { rows } = await sql.query<{ system_id: string; id: number }>(
        `SELECT ids.system_id, latest.id FROM unnest($1::uuid[]) AS ids (system_id)
         CROSS JOIN LATERAL (SELECT e.id FROM liveness_events e WHERE e.system_id = ids.system_id ORDER BY e.occurred_at DESC, e.id DESC LIMIT 1) latest`,
        [systemIds],
      );
      return new Map(rows.map((row) => [row.system_id, Number(row.id)]));
    },

    async peerHeartbeats(organizationId: string, source: string, externalIds: readonly string[]): Promise<Map<string, PeerHeartbeat>> {
      if (externalIds.length === 0) return new Map();
      const { rows } = await sql.query<{ external_id: string; last_heartbeat: Date | null; reported_status: string | null; reported_time: string | null }>(
        `SELECT s.external_id, l.last_heartbeat, l.reported_status, l.reported_time
         FROM systems s JOIN system_liveness l ON l.system_id = s.id
         WHERE s.organization_id = $1 AND s.source = $2 AND s.external_id = ANY($3::text[]) AND s.deleted_at IS NULL`,
        [organizationId, source, externalIds],
      );
      return new Map(
        rows.map((row) => [
          row.external_id,
          {
            lastHeartbeat: row.last_heartbeat,
            report: row.reported_status !== null || row.reported_time !== null ? { status: row.reported_status ?? '', time: row.reported_time ?? '' } : null,
          },
        ]),
      );
    },

    async listEvents(systemId: string, page: PageRequest, order: 'asc' | 'desc'): Promise<Page<LivenessEvent>> {
      const direction = order === 'asc' ? 'ASC' : 'DESC';
      const { rows: countRows } = await sql.query<{ total: number }>('SELECT count(*)::int AS total FROM liveness_events WHERE system_id = $1', [systemId]);
      const { rows } = await sql.query<LivenessEventRow>(
        `SELECT * FROM liveness_events WHERE system_id = $1
         ORDER BY occurred_at ${direction}, id ${direction} LIMIT ${page.pageSize} OFFSET ${offsetOf(page)}`,
        [systemId],
      );
      return { items: rows.map(toEvent), total: countRows[0]?.total ?? 0, page: page.page, pageSize: page.pageSize };
    },
  };
}
