-- Operators' triage of alerts (issue 17): acknowledging one (who, when, why) and silencing a
-- rule on a system for a while.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS acknowledged_at timestamptz;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS acknowledged_by text;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS acknowledgement_comment text;

-- A silence mutes one rule (alertname) on one system until ends_at: Muster's webhooks are not
-- sent meanwhile, and with Alertmanager configured the same silence is Alertmanager's (its id kept).
CREATE TABLE IF NOT EXISTS alert_silences (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  name text NOT NULL,
  -- The alert it was asked from (kept for the record; the silence covers the rule's later alerts too).
  alert_id uuid REFERENCES alerts (id) ON DELETE SET NULL,
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  comment text NOT NULL DEFAULT '',
  created_by text NOT NULL,
  alertmanager_silence_id text,
  expired_at timestamptz,
  created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_silences_active_idx ON alert_silences (system_id, name, ends_at) WHERE expired_at IS NULL;
