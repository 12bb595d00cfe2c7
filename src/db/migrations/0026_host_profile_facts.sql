-- The host-inventory API's totals with system-profile filters, counted from one index (issue 16).
-- A profile's common scalar fields as columns generated from the profile itself, so that they
-- are the profile's values by construction (a field of another JSON type gives NULL, as the
-- filters' own type checks do); numbers as numeric, which holds any JSON number exactly.
ALTER TABLE host_profiles
  ADD COLUMN IF NOT EXISTS arch text
    GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(system_profile -> 'arch') = 'string' THEN system_profile ->> 'arch' END) STORED,
  ADD COLUMN IF NOT EXISTS os_release text
    GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(system_profile -> 'os_release') = 'string' THEN system_profile ->> 'os_release' END) STORED,
  ADD COLUMN IF NOT EXISTS infrastructure_type text
    GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(system_profile -> 'infrastructure_type') = 'string' THEN system_profile ->> 'infrastructure_type' END) STORED,
  ADD COLUMN IF NOT EXISTS infrastructure_vendor text
    GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(system_profile -> 'infrastructure_vendor') = 'string' THEN system_profile ->> 'infrastructure_vendor' END) STORED,
  ADD COLUMN IF NOT EXISTS number_of_cpus numeric
    GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(system_profile -> 'number_of_cpus') = 'number' THEN (system_profile ->> 'number_of_cpus')::numeric END) STORED,
  ADD COLUMN IF NOT EXISTS number_of_sockets numeric
    GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(system_profile -> 'number_of_sockets') = 'number' THEN (system_profile ->> 'number_of_sockets')::numeric END) STORED,
  ADD COLUMN IF NOT EXISTS cores_per_socket numeric
    GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(system_profile -> 'cores_per_socket') = 'number' THEN (system_profile ->> 'cores_per_socket')::numeric END) STORED,
  ADD COLUMN IF NOT EXISTS system_memory_bytes numeric
    GENERATED ALWAYS AS (CASE WHEN jsonb_typeof(system_profile -> 'system_memory_bytes') = 'number' THEN (system_profile ->> 'system_memory_bytes')::numeric END) STORED,
  -- Whether the profile's system is live (not deleted), kept by the trigger below, so that a
  -- total needs no join to systems when the filters already need a profile.
  ADD COLUMN IF NOT EXISTS live boolean NOT NULL DEFAULT true;
UPDATE host_profiles hp SET live = false FROM systems s WHERE s.id = hp.system_id AND s.deleted_at IS NOT NULL;
CREATE OR REPLACE FUNCTION host_profiles_follow_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE host_profiles SET live = (NEW.deleted_at IS NULL) WHERE system_id = NEW.id; RETURN NULL; END $$;
DROP TRIGGER IF EXISTS systems_deleted_host_profiles ON systems;
CREATE TRIGGER systems_deleted_host_profiles AFTER UPDATE OF deleted_at ON systems
  FOR EACH ROW WHEN (OLD.deleted_at IS DISTINCT FROM NEW.deleted_at) EXECUTE FUNCTION host_profiles_follow_deleted();
-- The live profiles of an organization with those columns: a filtered total is one index-only scan.
CREATE INDEX IF NOT EXISTS host_profiles_live_facts_idx ON host_profiles (organization_id)
  INCLUDE (system_id, os_name, os_major, os_minor, arch, os_release, infrastructure_type, infrastructure_vendor,
    number_of_cpus, number_of_sockets, cores_per_socket, system_memory_bytes)
  WHERE live;
