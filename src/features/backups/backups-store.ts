import type { Sql } from '../../db/db.ts';

export interface Backup {
  id: string;
  systemId: string;
  organizationId: string;
  objectKey: string;
  filename: string;
  size: number;
  sha256: string;
  mimetype: string;
  uploaderIp: string | null;
  uploadedAt: Date;
}

type BackupRow = {
  id: string;
  system_id: string;
  organization_id: string;
  object_key: string;
  filename: string;
  size: number;
  sha256: string;
  mimetype: string;
  uploader_ip: string | null;
  uploaded_at: Date;
};

const toBackup = (row: BackupRow): Backup => ({
  id: row.id,
  systemId: row.system_id,
  organizationId: row.organization_id,
  objectKey: row.object_key,
  filename: row.filename,
  size: Number(row.size),
  sha256: row.sha256,
  mimetype: row.mimetype,
  uploaderIp: row.uploader_ip,
  uploadedAt: row.uploaded_at,
});

export interface SystemBackupUsage {
  systemId: string;
  systemName: string;
  organizationId: string;
  bytes: number;
  count: number;
}

export interface BackupsStore {
  insert(tx: Sql, backup: Backup): Promise<void>;
  /** Newest first. */
  listForSystem(systemId: string, runner?: Sql): Promise<Backup[]>;
  find(systemId: string, id: string): Promise<Backup | null>;
  delete(tx: Sql, ids: readonly string[]): Promise<void>;
  /** Serializes retention of one system's backups across concurrent uploads and nodes. */
  lockSystem(tx: Sql, systemId: string): Promise<boolean>;
  organizationUsage(organizationId: string): Promise<number>;
  /** Bytes and backups per system with any, the largest first. */
  usageBySystem(organizationIds: readonly string[] | undefined): Promise<SystemBackupUsage[]>;
  /** When the system's uploads since `since` were accepted, oldest first. */
  recentUploads(tx: Sql, systemId: string, since: Date): Promise<Date[]>;
  logUpload(tx: Sql, systemId: string, at: Date): Promise<void>;
  pruneUploadLog(before: Date): Promise<void>;
}

export function createBackupsStore(sql: Sql): BackupsStore {
  return {
    async insert(tx: Sql, backup: Backup): Promise<void> {
      await tx.query(
        `INSERT INTO backups (id, system_id, organization_id, object_key, filename, size, sha256, mimetype, uploader_ip, uploaded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          backup.id,
          backup.systemId,
          backup.organizationId,
          backup.objectKey,
          backup.filename,
          backup.size,
          backup.sha256,
          backup.mimetype,
          backup.uploaderIp,
          backup.uploadedAt,
        ],
      );
    },

    async listForSystem(systemId: string, runner: Sql = sql): Promise<Backup[]> {
      const { rows } = await runner.query<BackupRow>('SELECT * FROM backups WHERE system_id = $1 ORDER BY uploaded_at DESC, id DESC', [systemId]);
      return rows.map(toBackup);
    },

    async find(systemId: string, id: string): Promise<Backup | null> {
      const { rows } = await sql.query<BackupRow>('SELECT * FROM backups WHERE system_id = $1 AND id = $2', [systemId, id]);
      return rows[0] ? toBackup(rows[0]) : null;
    },

    async delete(tx: Sql, ids: readonly string[]): Promise<void> {
      if (ids.length) await tx.query('DELETE FROM backups WHERE id = ANY($1::text[])', [ids]);
    },

    async lockSystem(tx: Sql, systemId: string): Promise<boolean> {
      const { rows } = await tx.query('SELECT 1 FROM systems WHERE id = $1 FOR UPDATE', [systemId]);
      return rows.length > 0;
    },

    async organizationUsage(organizationId: string): Promise<number> {
      const { rows } = await sql.query<{ bytes: number }>('SELECT coalesce(sum(size), 0)::bigint AS bytes FROM backups WHERE organization_id = $1', [
        organizationId,
      ]);
      return Number(rows[0]?.bytes ?? 0);
    },

    async usageBySystem(organizationIds: readonly string[] | undefined): Promise<SystemBackupUsage[]> {
      const { rows } = await sql.query<{ system_id: string; system_name: string; organization_id: string; bytes: number; count: number }>(
        `SELECT b.system_id, s.name AS system_name, b.organization_id, sum(b.size)::bigint AS bytes, count(*)::int AS count
         FROM backups b JOIN systems s ON s.id = b.system_id
         WHERE $1::uuid[] IS NULL OR b.organization_id = ANY($1::uuid[])
         GROUP BY b.system_id, s.name, b.organization_id ORDER BY 4 DESC, 2`,
        [organizationIds ?? null],
      );
      return rows.map((row) => ({
        systemId: row.system_id,
        systemName: row.system_name,
        organizationId: row.organization_id,
        bytes: Number(row.bytes),
        count: row.count,
      }));
    },

    async recentUploads(tx: Sql, systemId: string, since: Date): Promise<Date[]> {
      const { rows } = await tx.query<{ at: Date }>('SELECT at FROM backup_upload_log WHERE system_id = $1 AND at > $2 ORDER BY at', [systemId, since]);
      return rows.map((row) => row.at);
    },

    async logUpload(tx: Sql, systemId: string, at: Date): Promise<void> {
      await tx.query('INSERT INTO backup_upload_log (system_id, at) VALUES ($1, $2)', [systemId, at]);
    },

    async pruneUploadLog(before: Date): Promise<void> {
      await sql.query('DELETE FROM backup_upload_log WHERE at < $1', [before]);
    },
  };
}
