-- Configuration backups: the objects live in the backup store (filesystem or S3) under
-- object_key; these rows are their index, metadata and the basis of retention and quotas.
CREATE TABLE IF NOT EXISTS backups (
  id text PRIMARY KEY,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL,
  object_key text NOT NULL,
  filename text NOT NULL,
  size bigint NOT NULL,
  sha256 text NOT NULL,
  mimetype text NOT NULL,
  uploader_ip text,
  uploaded_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS backups_system_idx ON backups (system_id, uploaded_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS backups_organization_idx ON backups (organization_id);

-- Accepted uploads per system, for the per-minute and per-hour limits on every node alike.
CREATE TABLE IF NOT EXISTS backup_upload_log (
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS backup_upload_log_idx ON backup_upload_log (system_id, at);
