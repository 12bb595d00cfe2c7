-- Inventories the processing job could not process however often it tried (a value the diff or
-- PostgreSQL cannot handle), set aside so the system's later inventories are processed. Only
-- the latest per system is kept, with the error, for an operator to look at; the log has all.
CREATE TABLE IF NOT EXISTS inventory_failed_uploads (
  id uuid PRIMARY KEY,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  received_at timestamptz NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now(),
  hash text NOT NULL,
  size integer NOT NULL,
  error text NOT NULL,
  data jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS inventory_failed_uploads_system_idx ON inventory_failed_uploads (system_id);
