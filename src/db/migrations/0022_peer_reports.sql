-- The latest report of a dialect's component as its peer sent it (the monitoring agent's
-- report), for the dialect's own views of its fleet; one row per system, rewritten per report.
-- `json`, not `jsonb`: kept as the text it came as, without conversion on the hottest write.
CREATE TABLE IF NOT EXISTS peer_reports (
  system_id uuid PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
  received_at timestamptz NOT NULL,
  report json NOT NULL
) WITH (fillfactor = 70);
