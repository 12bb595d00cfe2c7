-- Personal API tokens: a user's own bearer tokens, acting with that user's roles. The token is
-- `mpt_<public_id>_<secret>`; only the SHA-256 (hex) of the whole token is kept, the public id
-- finds the row. A revoked token keeps its row (revoked_at set) so that what it did stays attributable.
CREATE TABLE IF NOT EXISTS personal_tokens (
  id uuid PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name text NOT NULL,
  public_id text NOT NULL,
  token_hash text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS personal_tokens_public_id_key ON personal_tokens (public_id);
CREATE INDEX IF NOT EXISTS personal_tokens_user_idx ON personal_tokens (user_id, created_at, id) WHERE revoked_at IS NULL;
