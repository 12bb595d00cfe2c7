-- A system has one sample row per moment: samples sent again (an agent re-sending from its spool
-- after a crash, a report retried after a 503) are stored once, the insert skipping the moment it
-- already holds. Rows already doubled keep their first copy. The unique index includes the
-- partition key (at), as a partitioned table's must, and replaces the plain one on the same columns.
DELETE FROM metric_samples a USING metric_samples b WHERE a.tableoid = b.tableoid AND a.system_id = b.system_id AND a.at = b.at AND a.ctid > b.ctid;
DROP INDEX IF EXISTS metric_samples_system_at_idx;
CREATE UNIQUE INDEX IF NOT EXISTS metric_samples_system_at_key ON metric_samples (system_id, at);
