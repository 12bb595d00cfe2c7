import type { Sql } from '../../db/db.ts';
import { offsetOf, type Page, type PageRequest } from '../../http/pagination.ts';
import { HEARTBEAT_WARNING, LINK_FAILED } from '../alerts/index.ts';

/**
 * How bad a system's worst reason is, worst first: `critical` (a critical alert, or inactive:
 * its LinkFailed alert is critical), `high` (a high alert), `warning` (late heartbeats).
 */
export const ATTENTION_TIERS = ['critical', 'high', 'warning'] as const;
export type AttentionTier = (typeof ATTENTION_TIERS)[number];

/** One reason a system needs attention: its liveness, or one firing alert. */
export type AttentionReason =
  | { kind: 'liveness'; status: 'inactive' | 'warning'; since: Date }
  | { kind: 'alert'; alertId: string; name: string; severity: 'critical' | 'high'; summary: string; since: Date };

/** A system that needs attention, with every reason, its tier and since when its worst reason holds. */
export interface AttentionItem {
  systemId: string;
  name: string;
  type: string | null;
  organizationId: string;
  status: string;
  lastHeartbeat: Date | null;
  tier: AttentionTier;
  since: Date;
  reasons: AttentionReason[];
}

export interface AttentionPage extends Page<AttentionItem> {
  /** Systems per tier, over the whole list (not only this page). */
  byTier: Record<AttentionTier, number>;
}

/** Reasons kept per system in a row; the tier and `since` are computed over all of them. */
const REASONS_PER_SYSTEM = 20;
/** Liveness alerts are the liveness reason itself: listed once, as the status. */
const LIVENESS_ALERTS = [LINK_FAILED, HEARTBEAT_WARNING];

/**
 * The systems that need attention, one row per system, worst first: by tier, then the longest
 * standing first (the earliest start of a reason of that tier). Suspended and deleted systems
 * never need attention.
 */
export function createAttentionStore(sql: Sql) {
  // Every reason of every system in scope, as (system, tier rank, since); $1 the organizations (null: all).
  const REASONS = `
    WITH reasons AS (
      SELECT s.id AS system_id, CASE l.status WHEN 'inactive' THEN 0 ELSE 2 END AS tier, coalesce(l.status_changed_at, l.last_heartbeat, s.created_at) AS since
      FROM systems s JOIN system_liveness l ON l.system_id = s.id
      WHERE l.status IN ('inactive', 'warning') AND s.deleted_at IS NULL AND s.suspended_at IS NULL
        AND ($1::uuid[] IS NULL OR s.organization_id = ANY($1::uuid[]))
      UNION ALL
      SELECT a.system_id, CASE a.severity WHEN 'critical' THEN 0 ELSE 1 END, a.starts_at
      FROM alerts a JOIN systems s ON s.id = a.system_id
      WHERE a.status = 'firing' AND a.severity IN ('critical', 'high') AND a.name <> ALL($2::text[])
        AND s.deleted_at IS NULL AND s.suspended_at IS NULL
        AND ($1::uuid[] IS NULL OR a.organization_id = ANY($1::uuid[]))
    ), ranked AS (
      SELECT system_id, min(tier) AS tier, (array_agg(since ORDER BY tier, since))[1] AS since FROM reasons GROUP BY system_id
    )`;

  /** Systems needing attention per tier, over all of them. */
  async function byTier(organizationIds: readonly string[] | undefined): Promise<Record<AttentionTier, number>> {
    const { rows } = await sql.query<{ tier: number; count: number }>(`${REASONS} SELECT tier, count(*)::int AS count FROM ranked GROUP BY tier`, [
      organizationIds ?? null,
      LIVENESS_ALERTS,
    ]);
    const counts: Record<AttentionTier, number> = { critical: 0, high: 0, warning: 0 };
    for (const row of rows) counts[ATTENTION_TIERS[row.tier]!] += row.count;
    return counts;
  }

  return {
    byTier,

    async list(organizationIds: readonly string[] | undefined, page: PageRequest): Promise<AttentionPage> {
      const params = [organizationIds ?? null, LIVENESS_ALERTS];
      const [rows, counts] = await Promise.all([
        sql.query<{
          system_id: string;
          tier: number;
          since: Date;
          name: string;
          type: string | null;
          organization_id: string;
          status: string;
          last_heartbeat: Date | null;
          status_changed_at: Date | null;
          alerts: { id: string; name: string; severity: 'critical' | 'high'; summary: string; starts_at: string }[] | null;
        }>(
          `${REASONS}
           SELECT r.system_id, r.tier, r.since, s.name, s.type, s.organization_id, l.status, l.last_heartbeat, l.status_changed_at,
             (SELECT json_agg(json_build_object('id', a.id, 'name', a.name, 'severity', a.severity, 'summary', a.summary, 'starts_at', a.starts_at)
                ORDER BY a.severity = 'critical' DESC, a.starts_at, a.id)
              FROM (SELECT * FROM alerts a
                    WHERE a.system_id = r.system_id AND a.status = 'firing' AND a.severity IN ('critical', 'high') AND a.name <> ALL($2::text[])
                    ORDER BY a.severity = 'critical' DESC, a.starts_at, a.id LIMIT ${REASONS_PER_SYSTEM}) a) AS alerts
           FROM (SELECT * FROM ranked ORDER BY tier, since, system_id LIMIT $3 OFFSET $4) r
           JOIN systems s ON s.id = r.system_id JOIN system_liveness l ON l.system_id = r.system_id
           ORDER BY r.tier, r.since, r.system_id`,
          [...params, page.pageSize, offsetOf(page)],
        ),
        byTier(organizationIds),
      ]);
      const items = rows.rows.map((row): AttentionItem => {
        const reasons: AttentionReason[] = [];
        if (row.status === 'inactive' || row.status === 'warning') {
          reasons.push({ kind: 'liveness', status: row.status, since: row.status_changed_at ?? row.last_heartbeat ?? row.since });
        }
        for (const alert of row.alerts ?? []) {
          reasons.push({
            kind: 'alert',
            alertId: alert.id,
            name: alert.name,
            severity: alert.severity,
            summary: alert.summary,
            since: new Date(alert.starts_at),
          });
        }
        return {
          systemId: row.system_id,
          name: row.name,
          type: row.type,
          organizationId: row.organization_id,
          status: row.status,
          lastHeartbeat: row.last_heartbeat,
          tier: ATTENTION_TIERS[row.tier]!,
          since: row.since,
          reasons,
        };
      });
      return { items, total: counts.critical + counts.high + counts.warning, page: page.page, pageSize: page.pageSize, byTier: counts };
    },
  };
}
