-- Tenants. Thresholds are NULL to inherit the global defaults; a warning of 0 turns the
-- warning state off for the organization even when it is on globally.
CREATE TABLE IF NOT EXISTS organizations (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  is_default boolean NOT NULL DEFAULT false,
  heartbeat_timeout_minutes integer CHECK (heartbeat_timeout_minutes > 0),
  heartbeat_warning_minutes integer CHECK (heartbeat_warning_minutes >= 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS organizations_name_key ON organizations (lower(name));
CREATE UNIQUE INDEX IF NOT EXISTS organizations_one_default ON organizations (is_default) WHERE is_default;

-- Systems: identity, credentials and the summary taken from the latest inventory.
-- Only the public part of the secret and a salted hash of its secret part are kept.
CREATE TABLE IF NOT EXISTS systems (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  name text NOT NULL,
  type text,
  system_key text NOT NULL,
  secret_public text NOT NULL,
  secret_salt text NOT NULL,
  secret_hash text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}'::jsonb,
  fqdn text,
  ipv4_address text,
  ipv6_address text,
  version text,
  os text,
  last_inventory_at timestamptz,
  registered_at timestamptz,
  suspended_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS systems_system_key_key ON systems (system_key);
CREATE UNIQUE INDEX IF NOT EXISTS systems_secret_public_key ON systems (secret_public);
CREATE INDEX IF NOT EXISTS systems_organization_id_idx ON systems (organization_id, created_at);
CREATE INDEX IF NOT EXISTS systems_created_at_idx ON systems (created_at, id);
CREATE INDEX IF NOT EXISTS systems_name_idx ON systems (lower(name), id);
CREATE INDEX IF NOT EXISTS systems_type_idx ON systems (type);

-- Liveness lives in its own narrow table: the heartbeat path rewrites only these few columns.
-- next_check_at is when the status would next change without a heartbeat (NULL: never);
-- the liveness scanner reads only the rows whose deadline has passed, through its index.
CREATE TABLE IF NOT EXISTS system_liveness (
  system_id uuid PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
  status text NOT NULL DEFAULT 'unknown' CHECK (status IN ('unknown', 'active', 'warning', 'inactive')),
  last_heartbeat timestamptz,
  status_changed_at timestamptz,
  next_check_at timestamptz
);
CREATE INDEX IF NOT EXISTS system_liveness_due_idx ON system_liveness (next_check_at) WHERE next_check_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS system_liveness_status_idx ON system_liveness (status);
CREATE INDEX IF NOT EXISTS system_liveness_last_heartbeat_idx ON system_liveness (last_heartbeat);

-- Every liveness transition: when it happened (occurred_at, the threshold crossed or the
-- heartbeat's time) and when Muster recorded it.
CREATE TABLE IF NOT EXISTS liveness_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL,
  from_status text NOT NULL,
  to_status text NOT NULL,
  occurred_at timestamptz NOT NULL,
  recorded_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS liveness_events_system_idx ON liveness_events (system_id, occurred_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS liveness_events_recorded_idx ON liveness_events (recorded_at, id);
