-- Inventories as received, waiting for the processing job. Written with the job in one
-- transaction before the appliance gets its 202; removed by the transaction that processes them.
CREATE TABLE IF NOT EXISTS inventory_uploads (
  id uuid PRIMARY KEY,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  received_at timestamptz NOT NULL,
  hash text NOT NULL,
  size integer NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS inventory_uploads_system_idx ON inventory_uploads (system_id, received_at, id);

-- Hash of the latest inventory received, to answer `changes_detected` at once.
ALTER TABLE systems ADD COLUMN IF NOT EXISTS inventory_hash text;

-- Snapshots. An identical re-send refreshes last_seen_at of the latest one instead of adding a row.
CREATE TABLE IF NOT EXISTS inventory_records (
  id uuid PRIMARY KEY,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  received_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  hash text NOT NULL,
  size integer NOT NULL,
  change_count integer NOT NULL DEFAULT 0,
  -- Set when the diff engine reported a limit instead of listing every change.
  diff_limited jsonb,
  data jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS inventory_records_system_idx ON inventory_records (system_id, received_at DESC, id DESC);

-- One changed field between consecutive snapshots. Never deleted (retention removes records,
-- not diffs), so record ids are kept without a foreign key.
CREATE TABLE IF NOT EXISTS inventory_diffs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL,
  record_id uuid NOT NULL,
  previous_record_id uuid NOT NULL,
  detected_at timestamptz NOT NULL,
  field_path text NOT NULL,
  diff_type text NOT NULL CHECK (diff_type IN ('create', 'update', 'delete')),
  previous_value jsonb,
  current_value jsonb,
  category text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  significant boolean NOT NULL,
  rule text NOT NULL
);
-- Processing a record twice can never store its changes twice.
CREATE UNIQUE INDEX IF NOT EXISTS inventory_diffs_record_path_key ON inventory_diffs (record_id, field_path);
CREATE INDEX IF NOT EXISTS inventory_diffs_system_idx ON inventory_diffs (system_id, detected_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS inventory_diffs_significant_idx ON inventory_diffs (detected_at DESC, id DESC) WHERE significant;
