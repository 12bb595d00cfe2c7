-- Alerts raised by rules on inventory changes and by liveness transitions, and point-in-time
-- events (a system registering). `fingerprint` identifies what an alert is about: at most one
-- alert per fingerprint is firing at a time.
CREATE TABLE IF NOT EXISTS alerts (
  id uuid PRIMARY KEY,
  fingerprint text NOT NULL,
  name text NOT NULL,
  system_id uuid REFERENCES systems (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL,
  severity text NOT NULL,
  status text NOT NULL CHECK (status IN ('firing', 'resolved')),
  summary text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}'::jsonb,
  annotations jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- What raised it: a diff (its id), a liveness event (its id), a registration.
  source_type text NOT NULL,
  source_id text NOT NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_firing_key ON alerts (fingerprint) WHERE status = 'firing';
-- A source raises its alert once, however often it is processed.
CREATE UNIQUE INDEX IF NOT EXISTS alerts_source_key ON alerts (source_type, source_id, name);
CREATE INDEX IF NOT EXISTS alerts_starts_idx ON alerts (starts_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_system_idx ON alerts (system_id, starts_at DESC);
CREATE INDEX IF NOT EXISTS alerts_firing_idx ON alerts (organization_id, starts_at DESC) WHERE status = 'firing';

-- Liveness transitions not yet turned into alerts (or resolutions). Marked in the transaction
-- that raises their alert, so none is skipped or raised twice, whatever the commit order.
ALTER TABLE liveness_events ADD COLUMN IF NOT EXISTS alerted boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS liveness_events_pending_alert_idx ON liveness_events (id) WHERE NOT alerted;
