-- Metric alert rules' state (rules file, `alerts.metrics`): a series whose latest value meets a
-- rule since `pending_since`; `firing` once it has for the rule's `for`.
CREATE TABLE IF NOT EXISTS metric_alert_states (
  rule text NOT NULL,
  system_id uuid NOT NULL REFERENCES systems (id) ON DELETE CASCADE,
  -- The series' labels as canonical JSON ('{}' for a system's only series of the metric).
  series text NOT NULL,
  pending_since timestamptz NOT NULL,
  firing boolean NOT NULL DEFAULT false,
  PRIMARY KEY (rule, system_id, series)
);
