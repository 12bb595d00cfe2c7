-- Dashboard sessions. The cookie holds `mus_<secret>`; only its SHA-256 (hex) is kept. The CSRF
-- token is not stored at all: it is an HMAC keyed by the cookie's secret, so only a holder of
-- the cookie can compute it (src/features/sessions/session-token.ts). A revoked or expired
-- session keeps its row until the user is deleted, for the record.
CREATE TABLE IF NOT EXISTS sessions (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  token_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  address text,
  user_agent text,
  revoked_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX IF NOT EXISTS sessions_user_idx ON sessions (user_id, created_at, id) WHERE revoked_at IS NULL;

-- Failed sign-ins, per account (the lower-cased email) and per client address, for the limiter:
-- `subject` is the SHA-256 (hex) of `account:<email>` or `address:<ip>`, so a password typed
-- into the email field is not kept in clear. Rows older than the limiter's window are deleted.
CREATE TABLE IF NOT EXISTS sign_in_failures (
  attempt_id uuid NOT NULL,
  subject text NOT NULL,
  failed_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sign_in_failures_subject_idx ON sign_in_failures (subject, failed_at);
CREATE INDEX IF NOT EXISTS sign_in_failures_failed_at_idx ON sign_in_failures (failed_at);
CREATE INDEX IF NOT EXISTS sign_in_failures_attempt_idx ON sign_in_failures (attempt_id);
