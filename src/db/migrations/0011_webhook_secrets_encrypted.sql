-- Webhook signing secrets are kept encrypted (AES-256-GCM under SECRETS_KEY, see
-- src/crypto/secret-box.ts) in secret_encrypted. The clear column stays only for rows written
-- before this migration: Muster encrypts them at start (it has the key; the database does not)
-- and empties `secret`, which new rows never fill.
ALTER TABLE webhooks ADD COLUMN IF NOT EXISTS secret_encrypted text;
ALTER TABLE webhooks ALTER COLUMN secret DROP NOT NULL;
