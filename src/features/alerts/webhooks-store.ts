import { randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from '../../db/db.ts';

export interface Webhook {
  id: string;
  organizationId: string;
  url: string;
  description: string | null;
  createdAt: Date;
}

type WebhookRow = { id: string; organization_id: string; url: string; description: string | null; secret: string; created_at: Date };

const toWebhook = (row: WebhookRow): Webhook => ({
  id: row.id,
  organizationId: row.organization_id,
  url: row.url,
  description: row.description,
  createdAt: row.created_at,
});

export function createWebhooksStore(sql: Sql) {
  return {
    async create(organizationId: string, url: string, description: string | null, now: Date): Promise<{ webhook: Webhook; secret: string }> {
      const secret = randomBytes(24).toString('base64url');
      const { rows } = await sql.query<WebhookRow>(
        'INSERT INTO webhooks (id, organization_id, url, description, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
        [randomUUID(), organizationId, url, description, secret, now],
      );
      return { webhook: toWebhook(rows[0]!), secret };
    },

    async list(organizationId: string): Promise<Webhook[]> {
      const { rows } = await sql.query<WebhookRow>('SELECT * FROM webhooks WHERE organization_id = $1 ORDER BY created_at, id', [organizationId]);
      return rows.map(toWebhook);
    },

    /** With its signing secret: for deliveries only. */
    async findForDelivery(id: string): Promise<(Webhook & { secret: string }) | null> {
      const { rows } = await sql.query<WebhookRow>('SELECT * FROM webhooks WHERE id = $1', [id]);
      return rows[0] ? { ...toWebhook(rows[0]), secret: rows[0].secret } : null;
    },

    async delete(organizationId: string, id: string): Promise<boolean> {
      const { rowCount } = await sql.query('DELETE FROM webhooks WHERE organization_id = $1 AND id = $2', [organizationId, id]);
      return rowCount > 0;
    },
  };
}

export type WebhooksStore = ReturnType<typeof createWebhooksStore>;
