-- Each system's canonical facts and system profile as the host-inventory API serves them
-- (SPEC §8.3), derived from its latest inventory when that is processed, in the same
-- transaction as the summary fields, so that listing and filtering hosts reads no inventory.
-- The operating system is also kept in columns, for ordering and counting by it.
CREATE TABLE IF NOT EXISTS host_profiles (
  system_id uuid PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
  organization_id uuid NOT NULL,
  canonical_facts jsonb NOT NULL,
  system_profile jsonb NOT NULL,
  os_name text,
  os_major integer,
  os_minor integer,
  updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS host_profiles_organization_idx ON host_profiles (organization_id);
-- `filter[system_profile][field]=value` and canonical-fact lookups are containment queries (@>).
CREATE INDEX IF NOT EXISTS host_profiles_system_profile_idx ON host_profiles USING gin (system_profile jsonb_path_ops);
CREATE INDEX IF NOT EXISTS host_profiles_canonical_facts_idx ON host_profiles USING gin (canonical_facts jsonb_path_ops);
-- The host-inventory API's tag filters are the systems' labels: containment and key-exists queries.
CREATE INDEX IF NOT EXISTS systems_labels_idx ON systems USING gin (labels);
-- The name Ansible reaches the host by (the host-inventory API's `ansible_host`), set through that API.
ALTER TABLE systems ADD COLUMN IF NOT EXISTS ansible_host text;
