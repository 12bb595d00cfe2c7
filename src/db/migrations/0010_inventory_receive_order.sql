-- When the system's latest inventory was received. Ingest dates each new inventory after it,
-- under the system row's lock, so a system's inventories are dated in the order their ingest
-- committed, whichever node received them and whatever that node's clock says (ADR 0009).
ALTER TABLE systems ADD COLUMN IF NOT EXISTS inventory_received_at timestamptz;
UPDATE systems s SET inventory_received_at = latest.at
FROM (
  SELECT system_id, max(received_at) AS at FROM (
    SELECT system_id, received_at FROM inventory_records UNION ALL SELECT system_id, received_at FROM inventory_uploads
  ) received GROUP BY system_id
) latest
WHERE s.id = latest.system_id;
