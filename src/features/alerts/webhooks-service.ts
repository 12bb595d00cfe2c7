import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import { BadRequestError, NotFoundError } from '../../errors/errors.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import type { AlertDeliveries } from './deliveries-service.ts';
import type { Webhook, WebhooksStore } from './webhooks-store.ts';

export interface WebhooksServiceDeps {
  store: WebhooksStore;
  organizations: Pick<OrganizationsService, 'get'>;
  deliveries: Pick<AlertDeliveries, 'test'>;
  clock: Clock;
  logger: Logger;
}

export interface WebhooksService {
  /** Adds a webhook to an existing organization; the answer carries its signing secret, shown once. */
  create(organizationId: string, url: string, description: string | null): Promise<{ webhook: Webhook; secret: string }>;
  list(organizationId: string): Promise<Webhook[]>;
  delete(organizationId: string, webhookId: string): Promise<void>;
  /** Sends a test event to a webhook now and reports what it answered. */
  test(organizationId: string, webhookId: string): Promise<{ delivered: boolean; status: number | null; error: string | null }>;
  /** Encrypts signing secrets still in clear, and says at once when this node's key is not the one that encrypted the others. */
  secureStoredSecrets(): Promise<void>;
}

function validUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BadRequestError('url must be an absolute http(s) URL', { errors: [{ field: 'url', message: 'is not a URL' }] });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BadRequestError('url must be an absolute http(s) URL', { errors: [{ field: 'url', message: 'must use http or https' }] });
  }
  return url.toString();
}

/** Organizations' webhooks: where their alerts are sent, signed with a secret of each webhook's own. */
export function createWebhooksService(deps: WebhooksServiceDeps): WebhooksService {
  const { store, organizations } = deps;
  return {
    async create(organizationId, url, description) {
      await organizations.get(organizationId);
      return store.create(organizationId, validUrl(url), description, deps.clock.now());
    },

    async list(organizationId) {
      await organizations.get(organizationId);
      return store.list(organizationId);
    },

    async delete(organizationId, webhookId) {
      if (!(await store.delete(organizationId, webhookId))) throw new NotFoundError(`webhook ${webhookId} not found`);
    },

    test: (organizationId, webhookId) => deps.deliveries.test(organizationId, webhookId),

    async secureStoredSecrets() {
      const { encrypted, sealedWithOtherKeys } = await store.secureStoredSecrets();
      if (encrypted > 0) deps.logger.info({ webhooks: encrypted }, 'webhook signing secrets encrypted at rest');
      if (sealedWithOtherKeys > 0) {
        deps.logger.error(
          { webhooks: sealedWithOtherKeys },
          'webhook signing secrets were encrypted with another SECRETS_KEY: their deliveries fail on this node; set the same SECRETS_KEY on every node (or recreate those webhooks if that key is lost)',
        );
      }
    },
  };
}
