-- Liveness thresholds in seconds (compute nodes beat every few seconds; appliances every few
-- minutes): the organization's own thresholds move from minutes to seconds, values kept.
ALTER TABLE organizations ADD COLUMN IF NOT EXISTS heartbeat_timeout_seconds integer CHECK (heartbeat_timeout_seconds > 0);
ALTER TABLE organizations ADD COLUMN IF NOT EXISTS heartbeat_warning_seconds integer CHECK (heartbeat_warning_seconds >= 0);
UPDATE organizations SET heartbeat_timeout_seconds = heartbeat_timeout_minutes * 60, heartbeat_warning_seconds = heartbeat_warning_minutes * 60;
ALTER TABLE organizations DROP COLUMN IF EXISTS heartbeat_timeout_minutes;
ALTER TABLE organizations DROP COLUMN IF EXISTS heartbeat_warning_minutes;
