import { randomBytes, randomUUID } from 'node:crypto';
import type { Db, Sql } from '../../db/db.ts';
import { SecretBoxError, type SecretBox } from '../../crypto/secret-box.ts';

export interface Webhook {
  id: string;
  organizationId: string;
  url: string;
  description: string | null;
  createdAt: Date;
}

type WebhookRow = { id: string; organization_id: string; url: string; description: string | null; secret_encrypted: string | null; created_at: Date };

const COLUMNS = 'id, organization_id, url, description, secret_encrypted, created_at';

const toWebhook = (row: WebhookRow): Webhook => ({
  id: row.id,
  organizationId: row.organization_id,
  url: row.url,
  description: row.description,
  createdAt: row.created_at,
});

/** The context a webhook's secret is sealed for: its ciphertext opens for this row only. */
const sealContext = (id: string) => `webhook:${id}`;

/** A webhook whose signing secret cannot be read with this node's SECRETS_KEY: its deliveries fail, saying so. */
export class UnreadableWebhookSecretError extends Error {
  override name = 'UnreadableWebhookSecretError';
}

export interface WebhooksStore {
  create(organizationId: string, url: string, description: string | null, now: Date): Promise<{ webhook: Webhook; secret: string }>;
  /** The ids of the organizations' webhooks, by organization (every one given, with none: an empty list). */
  idsByOrganization(tx: Sql, organizationIds: readonly string[]): Promise<Map<string, string[]>>;
  list(organizationId: string): Promise<Webhook[]>;
  find(organizationId: string, id: string): Promise<Webhook | null>;
  /** With its signing secret: for deliveries only. Throws UnreadableWebhookSecretError when this node's key cannot open it. */
  findForDelivery(id: string): Promise<(Webhook & { secret: string }) | null>;
  delete(organizationId: string, id: string): Promise<boolean>;
  /**
   * At start: encrypts the secrets still in clear (rows from before encryption), emptying the
   * clear column, and counts the secrets this node's key did not encrypt. Returns both counts.
   */
  secureStoredSecrets(): Promise<{ encrypted: number; sealedWithOtherKeys: number }>;
}

/**
 * Webhooks and their signing secrets, which must stay usable to sign (an HMAC needs the key), so
 * they are stored encrypted under SECRETS_KEY (`secret_encrypted`), never in clear.
 */
export function createWebhooksStore(db: Db, secrets: SecretBox): WebhooksStore {
  return {
    async create(organizationId: string, url: string, description: string | null, now: Date): Promise<{ webhook: Webhook; secret: string }> {
      const id = randomUUID();
      const secret = randomBytes(24).toString('base64url');
      const { rows } = await db.query<WebhookRow>(
        `INSERT INTO webhooks (id, organization_id, url, description, secret_encrypted, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
        [id, organizationId, url, description, secrets.seal(secret, sealContext(id)), now],
      );
      return { webhook: toWebhook(rows[0]!), secret };
    },

    async idsByOrganization(tx: Sql, organizationIds: readonly string[]): Promise<Map<string, string[]>> {
      const { rows } = await tx.query<{ id: string; organization_id: string }>(
        'SELECT id, organization_id FROM webhooks WHERE organization_id = ANY($1::uuid[])',
        [organizationIds],
      );
      const ids = new Map(organizationIds.map((organizationId) => [organizationId, [] as string[]]));
      for (const row of rows) ids.get(row.organization_id)?.push(row.id);
      return ids;
    },

    async list(organizationId: string): Promise<Webhook[]> {
      const { rows } = await db.query<WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE organization_id = $1 ORDER BY created_at, id`, [organizationId]);
      return rows.map(toWebhook);
    },

    async find(organizationId: string, id: string): Promise<Webhook | null> {
      const { rows } = await db.query<WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE organization_id = $1 AND id = $2`, [organizationId, id]);
      return rows[0] ? toWebhook(rows[0]) : null;
    },

    async findForDelivery(id: string): Promise<(Webhook & { secret: string }) | null> {
      const { rows } = await db.query<WebhookRow>(`SELECT ${COLUMNS} FROM webhooks WHERE id = $1`, [id]);
      const row = rows[0];
      if (!row) return null;
      if (row.secret_encrypted === null)
        throw new UnreadableWebhookSecretError(`webhook ${id}: its signing secret is not encrypted yet (Muster encrypts such secrets at start)`);
      try {
        return { ...toWebhook(row), secret: secrets.open(row.secret_encrypted, sealContext(id)) };
      } catch (error) {
        if (!(error instanceof SecretBoxError)) throw error;
        throw new UnreadableWebhookSecretError(
          `webhook ${id}: its signing secret ${error.message}; run every node with the SECRETS_KEY it was encrypted with, or recreate the webhook`,
        );
      }
    },

    async delete(organizationId: string, id: string): Promise<boolean> {
      const { rowCount } = await db.query('DELETE FROM webhooks WHERE organization_id = $1 AND id = $2', [organizationId, id]);
      return rowCount > 0;
    },

    async secureStoredSecrets(): Promise<{ encrypted: number; sealedWithOtherKeys: number }> {
      const encrypted = await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string; secret: string }>('SELECT id, secret FROM webhooks WHERE secret IS NOT NULL ORDER BY id FOR UPDATE');
        for (const row of rows) {
          await tx.query('UPDATE webhooks SET secret_encrypted = $2, secret = NULL WHERE id = $1', [row.id, secrets.seal(row.secret, sealContext(row.id))]);
        }
        return rows.length;
      });
      const { rows } = await db.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM webhooks WHERE secret_encrypted IS NOT NULL AND secret_encrypted NOT LIKE $1',
        [`${secrets.sealedPrefix}%`],
      );
      return { encrypted, sealedWithOtherKeys: rows[0]!.count };
    },
  };
}
