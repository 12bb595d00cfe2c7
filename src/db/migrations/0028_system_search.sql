-- The systems list's search reaches into inventories (issue 17): "Rocky", "nextcloud" find the
-- systems whose latest inventory says so. Each system's latest inventory is kept as a text-search
-- document, written when the inventory is processed, and searched through a GIN index, so that a
-- search reads no inventory. The document holds the inventory's distinct strings and the keys of
-- its objects that are objects themselves (services.nginx: the service names), at most 64 KiB of
-- text, without positions (matching is by words and their prefixes, never by phrase).
CREATE OR REPLACE FUNCTION inventory_search_text(data jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT left(coalesce(string_agg(DISTINCT item, ' '), ''), 65536) FROM (SELECT v #>> '{}' AS item FROM jsonb_path_query(data, 'strict $.**') AS v WHERE jsonb_typeof(v) = 'string' UNION SELECT kv ->> 'key' FROM jsonb_path_query(data, 'strict $.** ? (@.type() == "object").keyvalue() ? (@.value.type() == "object")') AS kv) AS items $$;
CREATE OR REPLACE FUNCTION inventory_search_document(data jsonb) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT strip(to_tsvector('simple', inventory_search_text(data))) $$;
-- What an operator typed, as the query its words make: each word the parser finds in it, as a
-- prefix, all of them required ("web-01" is web:* & 01:*, as the documents split it). A text with
-- no word makes the empty query, which matches nothing.
CREATE OR REPLACE FUNCTION inventory_search_query(search text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT to_tsquery('simple', coalesce(string_agg('''' || replace(replace(word, '\', '\\'), '''', '''''') || ''':*', ' & '), '')) FROM unnest(tsvector_to_array(to_tsvector('simple', search))) AS word $$;
CREATE TABLE IF NOT EXISTS system_search (
  system_id uuid PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
  document tsvector NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS system_search_document_idx ON system_search USING gin (document);
INSERT INTO system_search (system_id, document, updated_at)
  SELECT latest.system_id, inventory_search_document(latest.data), latest.received_at
  FROM (SELECT DISTINCT ON (system_id) system_id, data, received_at FROM inventory_records ORDER BY system_id, received_at DESC, id DESC) AS latest
  ON CONFLICT (system_id) DO NOTHING;
