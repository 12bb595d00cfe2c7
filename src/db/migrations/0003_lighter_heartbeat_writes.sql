-- Every heartbeat rewrites its system_liveness row and so inserts into every index of the
-- table. Keep only what the scanner and the API need on a large fleet: systems that are not
-- active (a small minority) by status, and no index on last_heartbeat (sorting a page by it
-- is a top-N sort, cheap for the fleet sizes the list is browsed at).
DROP INDEX IF EXISTS system_liveness_last_heartbeat_idx;
DROP INDEX IF EXISTS system_liveness_status_idx;
CREATE INDEX IF NOT EXISTS system_liveness_not_active_idx ON system_liveness (status) WHERE status <> 'active';
