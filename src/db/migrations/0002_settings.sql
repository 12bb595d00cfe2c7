-- Cluster-wide values Muster keeps for itself, e.g. the global liveness thresholds last applied.
CREATE TABLE IF NOT EXISTS settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL
);
