-- Organization API keys for machines. The key is `mak_<public_id>_<secret>`; only the SHA-256
-- (hex) of the whole key is kept, the public id finds the row. A revoked key keeps its row
-- (revoked_at set) so that what it did stays attributable.
CREATE TABLE IF NOT EXISTS organization_api_keys (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  name text NOT NULL,
  scopes text[] NOT NULL CHECK (
    cardinality(scopes) > 0
    AND scopes <@ ARRAY['heartbeat-daemon', 'monitoring:write', 'monitoring:read', 'host-inventory:read', 'host-inventory:write', 'systems:read']::text[]
  ),
  public_id text NOT NULL,
  key_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS organization_api_keys_public_id_key ON organization_api_keys (public_id);
CREATE INDEX IF NOT EXISTS organization_api_keys_organization_idx ON organization_api_keys (organization_id, created_at, id) WHERE revoked_at IS NULL;
