import type { Sql } from '../../db/db.ts';

/** Waiting inventories that cannot be processed, moved out of the processing queue. */
export const failedUploadWrites = {
  /**
   * Moves a waiting inventory to inventory_failed_uploads with the reason, replacing the system's
   * previous failed one. Answers false when it was no longer waiting (processed, or set aside by
   * another node, meanwhile).
   */
  async setAside(tx: Sql, uploadId: string, reason: string): Promise<boolean> {
    const { rows } = await tx.query<{ id: string }>(
      `WITH moved AS (
         DELETE FROM inventory_uploads WHERE id = $1 RETURNING id, system_id, received_at, hash, size, data
       ), replaced AS (
         DELETE FROM inventory_failed_uploads f USING moved WHERE f.system_id = moved.system_id
       )
       INSERT INTO inventory_failed_uploads (id, system_id, received_at, hash, size, error, data)
       SELECT id, system_id, received_at, hash, size, $2, data FROM moved
       RETURNING id`,
      [uploadId, reason],
    );
    return rows.length > 0;
  },
};
