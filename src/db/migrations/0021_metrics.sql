-- The metrics store (SPEC §10, ADR 0020). A system's samples of one moment are one row: the
-- values in the order of a layout, the list of series (name and labels) they belong to, kept
-- once per system and series set. A report of 16 numbers is one ~200-byte row instead of 16
-- rows of ~60 bytes each plus their index entries.
CREATE TABLE IF NOT EXISTS metric_layouts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  -- SHA-256 of the series keys in order: one layout per system and series set, whichever node made it.
  hash text NOT NULL,
  -- [{name, labels}], in the order of the values.
  series jsonb NOT NULL,
  -- Times of the first and last sample known in this layout (the rollups move last_at on).
  first_at timestamptz NOT NULL,
  last_at timestamptz NOT NULL,
  UNIQUE (system_id, hash)
);

-- Raw samples, one partition per UTC day: retention drops whole partitions. No foreign key
-- (a check per row on the hottest insert); a destroyed system's rows go with their partitions.
CREATE TABLE IF NOT EXISTS metric_samples (
  system_id uuid NOT NULL,
  at timestamptz NOT NULL,
  layout_id bigint NOT NULL,
  "values" float8[] NOT NULL
) PARTITION BY RANGE (at);
CREATE INDEX IF NOT EXISTS metric_samples_system_at_idx ON metric_samples (system_id, at);

-- Rollups, per system, bucket and layout: each series' minimum, mean, maximum and last value
-- over the bucket's `samples` samples. 5-minute buckets in monthly partitions, 1-hour buckets in
-- yearly ones.
CREATE TABLE IF NOT EXISTS metric_rollups_5m (
  system_id uuid NOT NULL,
  bucket timestamptz NOT NULL,
  layout_id bigint NOT NULL,
  samples integer NOT NULL,
  min float8[] NOT NULL,
  avg float8[] NOT NULL,
  max float8[] NOT NULL,
  last float8[] NOT NULL
) PARTITION BY RANGE (bucket);
CREATE INDEX IF NOT EXISTS metric_rollups_5m_system_bucket_idx ON metric_rollups_5m (system_id, bucket);

CREATE TABLE IF NOT EXISTS metric_rollups_1h (
  system_id uuid NOT NULL,
  bucket timestamptz NOT NULL,
  layout_id bigint NOT NULL,
  samples integer NOT NULL,
  min float8[] NOT NULL,
  avg float8[] NOT NULL,
  max float8[] NOT NULL,
  last float8[] NOT NULL
) PARTITION BY RANGE (bucket);
CREATE INDEX IF NOT EXISTS metric_rollups_1h_system_bucket_idx ON metric_rollups_1h (system_id, bucket);

-- Each system's latest samples, for the fleet's top systems and the metric alert rules.
CREATE TABLE IF NOT EXISTS metric_latest (
  system_id uuid PRIMARY KEY REFERENCES systems (id) ON DELETE CASCADE,
  at timestamptz NOT NULL,
  layout_id bigint NOT NULL,
  "values" float8[] NOT NULL
) WITH (fillfactor = 70);

-- How far each rollup has gone: buckets before `done_until` are rolled up.
CREATE TABLE IF NOT EXISTS metric_rollup_progress (
  resolution text PRIMARY KEY,
  done_until timestamptz NOT NULL
);

-- Buckets that received samples after they were rolled up (an agent's spool sent late):
-- rolled up again, for these systems only, by the next run.
CREATE TABLE IF NOT EXISTS metric_rollup_stale (
  resolution text NOT NULL,
  system_id uuid NOT NULL,
  bucket timestamptz NOT NULL,
  PRIMARY KEY (resolution, system_id, bucket)
);
