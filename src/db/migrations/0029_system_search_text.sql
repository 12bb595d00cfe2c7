-- The systems list's search by substring (issue 17: "stays fast at 10,000 systems"). A system's
-- own searchable fields (name, key, fqdn, addresses and its labels as JSON text) in one generated
-- column, one per line so that a search never matches across two fields, with a trigram index
-- that answers ILIKE '%…%' without reading every row (for three characters and more; shorter
-- searches read the index whole, which is still one column).
-- pg_trgm is a trusted extension: the database owner may create it (PGlite loads it at start,
-- pglite-settings.ts). An extension is the database's, not a schema's: it goes in public, so that
-- Muster in a schema of its own (as the tests run it) neither hides it from another schema nor drops
-- it with its schema, and two schemas migrating at once may both try (the loser's error is
-- ignored). Where it is already installed, in whichever schema, the index names its operator class there.
DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public; EXCEPTION WHEN unique_violation OR duplicate_object THEN NULL; END $$;
ALTER TABLE systems ADD COLUMN IF NOT EXISTS search_text text GENERATED ALWAYS AS (name || E'\n' || system_key || E'\n' || coalesce(fqdn, '') || E'\n' || coalesce(ipv4_address, '') || E'\n' || coalesce(ipv6_address, '') || E'\n' || labels::text) STORED;
DO $$ DECLARE home text; BEGIN SELECT n.nspname INTO STRICT home FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'; EXECUTE format('CREATE INDEX IF NOT EXISTS systems_search_text_idx ON systems USING gin (search_text %I.gin_trgm_ops)', home); END $$;
