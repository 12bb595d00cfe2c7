-- The host-inventory API's orders over one table's columns, each an index walked in order so a
-- page of the newest (the default) or by name stops after the page's rows.
CREATE INDEX IF NOT EXISTS systems_host_updated_idx ON systems (organization_id, (greatest(updated_at, last_inventory_at)) DESC, id DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS systems_host_name_idx ON systems (organization_id, lower(name), id) WHERE deleted_at IS NULL;
-- The live systems of an organization, counted by an index-only scan (the hosts' totals).
CREATE INDEX IF NOT EXISTS systems_live_organization_idx ON systems (organization_id) WHERE deleted_at IS NULL;
