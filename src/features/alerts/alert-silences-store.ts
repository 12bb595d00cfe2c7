import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/db.ts';

/** A silence of one rule on one system until `endsAt` (Alertmanager's too when it has its id). */
export interface AlertSilence {
  id: string;
  organizationId: string;
  systemId: string;
  name: string;
  alertId: string | null;
  startsAt: Date;
  endsAt: Date;
  comment: string;
  createdBy: string;
  alertmanagerSilenceId: string | null;
}

type Row = {
  id: string;
  organization_id: string;
  system_id: string;
  name: string;
  alert_id: string | null;
  starts_at: Date;
  ends_at: Date;
  comment: string;
  created_by: string;
  alertmanager_silence_id: string | null;
};

const toSilence = (row: Row): AlertSilence => ({
  id: row.id,
  organizationId: row.organization_id,
  systemId: row.system_id,
  name: row.name,
  alertId: row.alert_id,
  startsAt: row.starts_at,
  endsAt: row.ends_at,
  comment: row.comment,
  createdBy: row.created_by,
  alertmanagerSilenceId: row.alertmanager_silence_id,
});

/** How `active` keys its answer. */
export const silenceKey = (systemId: string, name: string): string => `${systemId} ${name}`;

/** The stored silences: the record of every one, and the mute Muster's own deliveries obey. */
export function createAlertSilencesStore(sql: Sql) {
  return {
    async insert(silence: Omit<AlertSilence, 'id'>, now: Date): Promise<AlertSilence> {
      const { rows } = await sql.query<Row>(
        `INSERT INTO alert_silences (id, organization_id, system_id, name, alert_id, starts_at, ends_at, comment, created_by, alertmanager_silence_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          randomUUID(),
          silence.organizationId,
          silence.systemId,
          silence.name,
          silence.alertId,
          silence.startsAt,
          silence.endsAt,
          silence.comment,
          silence.createdBy,
          silence.alertmanagerSilenceId,
          now,
        ],
      );
      return toSilence(rows[0]!);
    },

    /** The silence in force at `now` for each (system, rule) asked, keyed by silenceKey; the one lasting longest when several are. */
    async active(keys: readonly { systemId: string; name: string }[], now: Date, runner: Sql = sql): Promise<Map<string, AlertSilence>> {
      if (keys.length === 0) return new Map();
      const { rows } = await runner.query<Row>(
        `SELECT DISTINCT ON (si.system_id, si.name) si.* FROM alert_silences si
         JOIN unnest($1::uuid[], $2::text[]) AS k (system_id, name) ON k.system_id = si.system_id AND k.name = si.name
         WHERE si.expired_at IS NULL AND si.starts_at <= $3 AND si.ends_at > $3
         ORDER BY si.system_id, si.name, si.ends_at DESC`,
        [keys.map((key) => key.systemId), keys.map((key) => key.name), now],
      );
      return new Map(rows.map((row) => [silenceKey(row.system_id, row.name), toSilence(row)]));
    },

    /** Ends every silence in force for the rule on the system; the ones ended. */
    async expire(systemId: string, name: string, now: Date): Promise<AlertSilence[]> {
      const { rows } = await sql.query<Row>(
        `UPDATE alert_silences SET expired_at = $3 WHERE system_id = $1 AND name = $2 AND expired_at IS NULL AND ends_at > $3 RETURNING *`,
        [systemId, name, now],
      );
      return rows.map(toSilence);
    },
  };
}

export type AlertSilencesStore = ReturnType<typeof createAlertSilencesStore>;
