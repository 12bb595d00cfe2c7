import { arrayLiteral, jsonArrayText, timesLiteral } from '../../db/array-literal.ts';
import type { Sql } from '../../db/db.ts';

/** A live component's latest report, as its peer sent it. */
export interface PeerReport {
  systemId: string;
  externalId: string;
  suspended: boolean;
  receivedAt: Date;
  report: unknown;
}

type Row = { system_id: string; external_id: string; suspended: boolean; received_at: Date; report: unknown };

const present = (row: Row): PeerReport => ({
  systemId: row.system_id,
  externalId: row.external_id,
  suspended: row.suspended,
  receivedAt: row.received_at,
  report: row.report,
});

/** SQL of the dialect components' latest reports (peer_reports). */
export function createPeerReportsStore(sql: Sql) {
  return {
    /** Each system's report, unless a later one is stored already; `json` is the report's JSON text. */
    async upsert(reports: readonly { systemId: string; receivedAt: Date; json: string }[]): Promise<void> {
      await sql.query(
        `INSERT INTO peer_reports (system_id, received_at, report)
         SELECT * FROM ROWS FROM (unnest($1::uuid[]), unnest($2::timestamptz[]), json_array_elements($3::json))
         ON CONFLICT (system_id) DO UPDATE SET received_at = excluded.received_at, report = excluded.report
           WHERE excluded.received_at >= peer_reports.received_at`,
        [arrayLiteral(reports, (r) => r.systemId), timesLiteral(reports, (r) => r.receivedAt), jsonArrayText(reports.map((r) => r.json))],
        { prepareAs: 'peer-reports-upsert' },
      );
    },

    async list(organizationId: string, source: string): Promise<PeerReport[]> {
      const { rows } = await sql.query<Row>(
        `SELECT s.id AS system_id, s.external_id, s.suspended_at IS NOT NULL AS suspended, r.received_at, r.report
         FROM systems s JOIN peer_reports r ON r.system_id = s.id
         WHERE s.organization_id = $1 AND s.source = $2 AND s.external_id IS NOT NULL AND s.deleted_at IS NULL
         ORDER BY s.external_id`,
        [organizationId, source],
      );
      return rows.map(present);
    },

    async count(organizationId: string, source: string): Promise<number> {
      const { rows } = await sql.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM systems s JOIN peer_reports r ON r.system_id = s.id
         WHERE s.organization_id = $1 AND s.source = $2 AND s.external_id IS NOT NULL AND s.deleted_at IS NULL`,
        [organizationId, source],
      );
      return rows[0]!.count;
    },

    async find(organizationId: string, source: string, externalId: string): Promise<PeerReport | undefined> {
      const { rows } = await sql.query<Row>(
        `SELECT s.id AS system_id, s.external_id, s.suspended_at IS NOT NULL AS suspended, r.received_at, r.report
         FROM systems s JOIN peer_reports r ON r.system_id = s.id
         WHERE s.organization_id = $1 AND s.source = $2 AND s.external_id = $3 AND s.deleted_at IS NULL`,
        [organizationId, source, externalId],
      );
      return rows[0] ? present(rows[0]) : undefined;
    },
  };
}
