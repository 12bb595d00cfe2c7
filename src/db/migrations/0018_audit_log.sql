-- The audit log: one row per mutation through the management API and per sign-in, written in
-- the transaction of the change it records (src/db/audit-scope.ts). No foreign keys: a row
-- outlives the user, key, organization or system it names, and a denied request may name an
-- organization that does not exist. Never a body, password, token or key.
CREATE TABLE IF NOT EXISTS audit_log (
  id uuid PRIMARY KEY,
  occurred_at timestamptz NOT NULL,
  actor_type text NOT NULL CHECK (actor_type IN ('bootstrap', 'user', 'token', 'api-key', 'anonymous')),
  actor_id text,
  user_id uuid,
  organization_id uuid,
  action text NOT NULL,
  target_type text,
  target_id text,
  outcome text NOT NULL CHECK (outcome IN ('success', 'failure', 'denied')),
  http_status integer NOT NULL,
  address text,
  user_agent text,
  details jsonb NOT NULL DEFAULT '{}'
);
-- An organization's log, newest first (GET /api/v1/audit for org admins).
CREATE INDEX IF NOT EXISTS audit_log_organization_idx ON audit_log (organization_id, occurred_at DESC);
-- The whole log, newest first (global admins), and retention.
CREATE INDEX IF NOT EXISTS audit_log_occurred_at_idx ON audit_log (occurred_at);
