import { randomUUID } from 'node:crypto';
import { whereBuilder, type Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';

export interface Alert {
  id: string;
  fingerprint: string;
  name: string;
  systemId: string | null;
  organizationId: string;
  severity: string;
  status: 'firing' | 'resolved';
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  sourceType: string;
  sourceId: string;
  startsAt: Date;
  endsAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** Acknowledged by an operator: when, by whom (as they signed in), why. */
  acknowledgement: { at: Date; by: string; comment: string } | null;
}

export interface NewAlert {
  fingerprint: string;
  name: string;
  systemId: string;
  severity: string;
  /** 'resolved' at once for a point-in-time event. */
  status: 'firing' | 'resolved';
  summary: string;
  description: string;
  labels?: Record<string, string>;
  sourceType: 'diff' | 'liveness' | 'registration' | 'metric';
  sourceId: string;
  startsAt: Date;
  endsAt: Date | null;
}

export interface AlertFilter extends PageRequest {
  status?: 'firing' | 'resolved' | undefined;
  severity?: string[] | undefined;
  name?: string | undefined;
  systemId?: string | undefined;
  /** Only acknowledged (true) or unacknowledged (false) alerts. */
  acknowledged?: boolean | undefined;
  /** Only these organizations' alerts; all when undefined. */
  organizationIds?: readonly string[] | undefined;
}

type AlertRow = {
  id: string;
  fingerprint: string;
  name: string;
  system_id: string | null;
  organization_id: string;
  severity: string;
  status: 'firing' | 'resolved';
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  source_type: string;
  source_id: string;
  starts_at: Date;
  ends_at: Date | null;
  created_at: Date;
  updated_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledgement_comment: string | null;
};

function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    name: row.name,
    systemId: row.system_id,
    organizationId: row.organization_id,
    severity: row.severity,
    status: row.status,
    summary: row.summary,
    labels: row.labels,
    annotations: row.annotations,
    sourceType: row.source_type,
    sourceId: row.source_id,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    acknowledgement: row.acknowledged_at ? { at: row.acknowledged_at, by: row.acknowledged_by ?? '', comment: row.acknowledgement_comment ?? '' } : null,
  };
}

/**
 * Inserts the alert with the labels that identify its system and organization. Nothing happens
 * (null) when this source already raised it, or when an alert with the same fingerprint is
 * still firing.
 */
const RAISE = `
INSERT INTO alerts (id, fingerprint, name, system_id, organization_id, severity, status, summary, labels, annotations,
  source_type, source_id, starts_at, ends_at, created_at, updated_at)
SELECT $1, $2, $3, s.id, s.organization_id, $4, $5, $6,
  jsonb_build_object('alertname', $3::text, 'severity', $4::text, 'system_id', s.id::text, 'system_key', s.system_key,
    'system_name', s.name, 'organization_id', o.id::text, 'organization_name', o.name) || $7::jsonb,
  jsonb_build_object('summary', $6::text, 'description', $8::text),
  $9, $10, $11, $12, $13, $13
FROM systems s JOIN organizations o ON o.id = s.organization_id
WHERE s.id = $14
ON CONFLICT DO NOTHING
RETURNING id, organization_id`;

/**
 * RAISE for many alerts in one statement (each row as RAISE does it alone). Rows of systems
 * that no longer exist are left out, as RAISE leaves them out.
 */
const RAISE_MANY = `
INSERT INTO alerts (id, fingerprint, name, system_id, organization_id, severity, status, summary, labels, annotations,
  source_type, source_id, starts_at, ends_at, created_at, updated_at)
SELECT a.id, a.fingerprint, a.name, s.id, s.organization_id, a.severity, a.status, a.summary,
  jsonb_build_object('alertname', a.name, 'severity', a.severity, 'system_id', s.id::text, 'system_key', s.system_key,
    'system_name', s.name, 'organization_id', o.id::text, 'organization_name', o.name) || a.labels::jsonb,
  jsonb_build_object('summary', a.summary, 'description', a.description),
  a.source_type, a.source_id, a.starts_at, a.ends_at, $13, $13
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
    $10::text[], $11::timestamptz[], $12::timestamptz[], $14::uuid[]) WITH ORDINALITY
  AS a (id, fingerprint, name, severity, status, summary, labels, description, source_type, source_id, starts_at, ends_at, system_id, position)
  JOIN systems s ON s.id = a.system_id JOIN organizations o ON o.id = s.organization_id
ORDER BY a.position
ON CONFLICT DO NOTHING
RETURNING id, organization_id`;

export interface AlertsStore {
  raise(tx: Sql, alert: NewAlert, now: Date): Promise<{ id: string; organizationId: string } | null>;
  /**
   * Raises several alerts in one statement; answers those raised (not already raised by their
   * source, nor firing under the same fingerprint), in the order given.
   */
  raiseMany(tx: Sql, alerts: readonly NewAlert[], now: Date): Promise<{ id: string; organizationId: string }[]>;
  /** Resolves the firing alert with this fingerprint, if any; returns it. */
  resolve(tx: Sql, fingerprint: string, endsAt: Date, now: Date): Promise<{ id: string; organizationId: string } | null>;
  /** Resolves firing alerts whose end time has passed (change alerts live for a set time). */
  resolveExpired(tx: Sql, now: Date): Promise<number>;
  findById(id: string, runner?: Sql): Promise<Alert | null>;
  /** Firing LinkFailed and HeartbeatWarning alerts of systems neither deleted nor suspended. */
  firingOpenEndedAlerts(runner?: Sql): Promise<Alert[]>;
  list(filter: AlertFilter): Promise<Page<Alert>>;
  /** Sets (or with null clears) the alert's acknowledgement; the alert as it is now, null when there is none. */
  setAcknowledgement(id: string, acknowledgement: Alert['acknowledgement'], now: Date): Promise<Alert | null>;
}

export function createAlertsStore(sql: Sql): AlertsStore {
  return {
    async raise(tx: Sql, alert: NewAlert, now: Date): Promise<{ id: string; organizationId: string } | null> {
      const { rows } = await tx.query<{ id: string; organization_id: string }>(RAISE, [
        randomUUID(),
        alert.fingerprint,
        alert.name,
        alert.severity,
        alert.status,
        alert.summary,
        JSON.stringify(alert.labels ?? {}),
        alert.description,
        alert.sourceType,
        alert.sourceId,
        alert.startsAt,
        alert.endsAt,
        now,
        alert.systemId,
      ]);
      return rows[0] ? { id: rows[0].id, organizationId: rows[0].organization_id } : null;
    },

    async raiseMany(tx: Sql, alerts: readonly NewAlert[], now: Date): Promise<{ id: string; organizationId: string }[]> {
      if (alerts.length === 0) return [];
      const ids = alerts.map(() => randomUUID());
      const { rows } = await tx.query<{ id: string; organization_id: string }>(RAISE_MANY, [
        ids,
        alerts.map((alert) => alert.fingerprint),
        alerts.map((alert) => alert.name),
        alerts.map((alert) => alert.severity),
        alerts.map((alert) => alert.status),
        alerts.map((alert) => alert.summary),
        alerts.map((alert) => JSON.stringify(alert.labels ?? {})),
        alerts.map((alert) => alert.description),
        alerts.map((alert) => alert.sourceType),
        alerts.map((alert) => alert.sourceId),
        alerts.map((alert) => alert.startsAt),
        alerts.map((alert) => alert.endsAt),
        now,
        alerts.map((alert) => alert.systemId),
      ]);
      // RETURNING promises no order: put the raised ones back in the order given.
      const position = new Map<string, number>(ids.map((id, index) => [id, index]));
      return rows.map((row) => ({ id: row.id, organizationId: row.organization_id })).sort((a, b) => position.get(a.id)! - position.get(b.id)!);
    },

    async resolve(tx: Sql, fingerprint: string, endsAt: Date, now: Date): Promise<{ id: string; organizationId: string } | null> {
      const { rows } = await tx.query<{ id: string; organization_id: string }>(
        `UPDATE alerts SET status = 'resolved', ends_at = $2, updated_at = $3 WHERE fingerprint = $1 AND status = 'firing' RETURNING id, organization_id`,
        [fingerprint, endsAt, now],
      );
      return rows[0] ? { id: rows[0].id, organizationId: rows[0].organization_id } : null;
    },

    async resolveExpired(tx: Sql, now: Date): Promise<number> {
      const { rowCount } = await tx.query(
        `UPDATE alerts SET status = 'resolved', updated_at = $1 WHERE status = 'firing' AND ends_at IS NOT NULL AND ends_at <= $1`,
        [now],
      );
      return rowCount;
    },

    async findById(id: string, runner: Sql = sql): Promise<Alert | null> {
      const { rows } = await runner.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
      return rows[0] ? toAlert(rows[0]) : null;
    },

    async firingOpenEndedAlerts(runner: Sql = sql): Promise<Alert[]> {
      const { rows } = await runner.query<AlertRow>(
        `SELECT a.* FROM alerts a JOIN systems s ON s.id = a.system_id
         WHERE a.status = 'firing' AND a.source_type IN ('liveness', 'metric') AND s.deleted_at IS NULL AND s.suspended_at IS NULL
         ORDER BY a.starts_at, a.id`,
      );
      return rows.map(toAlert);
    },

    async setAcknowledgement(id: string, acknowledgement: Alert['acknowledgement'], now: Date): Promise<Alert | null> {
      const { rows } = await sql.query<AlertRow>(
        `UPDATE alerts SET acknowledged_at = $2, acknowledged_by = $3, acknowledgement_comment = $4, updated_at = $5 WHERE id = $1 RETURNING *`,
        [id, acknowledgement?.at ?? null, acknowledgement?.by ?? null, acknowledgement?.comment ?? null, now],
      );
      return rows[0] ? toAlert(rows[0]) : null;
    },

    async list(filter: AlertFilter): Promise<Page<Alert>> {
      const { conditions, params, param, where: whereClause } = whereBuilder();
      if (filter.status) conditions.push(`status = ${param(filter.status)}`);
      if (filter.severity?.length) conditions.push(`severity = ANY(${param(filter.severity)}::text[])`);
      if (filter.name) conditions.push(`name = ${param(filter.name)}`);
      if (filter.systemId) conditions.push(`system_id = ${param(filter.systemId)}`);
      if (filter.acknowledged !== undefined) conditions.push(`acknowledged_at IS ${filter.acknowledged ? 'NOT ' : ''}NULL`);
      if (filter.organizationIds) conditions.push(`organization_id = ANY(${param(filter.organizationIds)}::uuid[])`);
      const where = whereClause();
      const { rows: count } = await sql.query<{ total: number }>(`SELECT count(*)::int AS total FROM alerts ${where}`, params);
      const { rows } = await sql.query<AlertRow>(
        `SELECT * FROM alerts ${where} ORDER BY starts_at DESC, id DESC LIMIT ${filter.pageSize} OFFSET ${offsetOf(filter)}`,
        params,
      );
      return { items: rows.map(toAlert), total: count[0]?.total ?? 0, page: filter.page, pageSize: filter.pageSize };
    },
  };
}
