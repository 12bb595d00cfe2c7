-- A change path can be longer than a B-tree entry may be (about 2.7 kB, e.g. under a key of a
-- few kB in an inventory): diffs are kept unique per record by the path's hash instead, so any
-- path within the input limits can be stored.
CREATE UNIQUE INDEX IF NOT EXISTS inventory_diffs_record_path_hash_key ON inventory_diffs (record_id, md5(field_path));
DROP INDEX IF EXISTS inventory_diffs_record_path_key;
