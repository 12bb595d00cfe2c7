-- Where an organization's alerts are also sent. The secret signs each delivery
-- (X-Muster-Signature: HMAC-SHA256 of the body); it must be kept to sign, and is shown only
-- when the webhook is created.
CREATE TABLE IF NOT EXISTS webhooks (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  url text NOT NULL,
  description text,
  secret text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS webhooks_organization_idx ON webhooks (organization_id, created_at);
