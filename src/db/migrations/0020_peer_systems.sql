-- Systems a dialect creates for its peer's components on their first report (the
-- heartbeat-daemon's compute nodes, named by xname): `source` names the dialect, `external_id`
-- the component. One live system per component and organization; a deleted one makes room for
-- a new system when the component reports again.
ALTER TABLE systems ADD COLUMN IF NOT EXISTS source text;
ALTER TABLE systems ADD COLUMN IF NOT EXISTS external_id text;
CREATE UNIQUE INDEX IF NOT EXISTS systems_external_id_key ON systems (organization_id, source, external_id)
  WHERE external_id IS NOT NULL AND deleted_at IS NULL;

-- What the peer said of itself in its last heartbeat, kept as sent (the heartbeat-daemon's
-- Status and Timestamp). Not indexed: the heartbeat's update stays heap-only.
ALTER TABLE system_liveness ADD COLUMN IF NOT EXISTS reported_status text;
ALTER TABLE system_liveness ADD COLUMN IF NOT EXISTS reported_time text;

-- Transitions of systems a dialect created wait here until the dialect's relay has queued
-- their notifications (the heartbeat-daemon's state-manager calls), in the same transaction.
ALTER TABLE liveness_events ADD COLUMN IF NOT EXISTS forward_pending boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS liveness_events_forward_idx ON liveness_events (organization_id, id) WHERE forward_pending;

-- Settings a dialect keeps per organization, as the dialect shapes them (the heartbeat-daemon's
-- /params, but for Warntime and Errtime, which are the organization's thresholds).
CREATE TABLE IF NOT EXISTS organization_dialect_settings (
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  dialect text NOT NULL,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (organization_id, dialect)
);
