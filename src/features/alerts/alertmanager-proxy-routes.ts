import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, BadRequestError, ForbiddenError, ServiceUnavailableError } from '../../errors/errors.ts';
import { errorResponses } from '../../http/schemas.ts';
import { requireSystem, type SystemAuthenticator, type SystemsService } from '../systems/index.ts';
import { ownsSilence, scopeAlerts, scopedQuery, ScopeError, scopeSilence, type SystemIdentity } from './alertmanager-scope.ts';

const PREFIX = '/api/services/mimir/alertmanager/api/v2';
const UPSTREAM_TIMEOUT_MS = 30_000;

export interface ProxyDeps {
  alertmanagerUrl: string | undefined;
  systems: SystemsService;
  authenticator: SystemAuthenticator;
}

interface Upstream {
  status: number;
  contentType: string | null;
  body: string;
}

/**
 * The machine-scoped Alertmanager API for appliances (SPEC §7): each system sees and silences
 * only its own alerts. GETs are filtered by its system key; posted alerts carry the server's
 * identity labels; silences always carry its exact `system_key` matcher, and one that does not
 * is neither shown, changed nor expired for it (403). Upstream failures are 502.
 */
export function alertmanagerProxyRoutes(deps: ProxyDeps): FastifyPluginAsyncTypebox {
  const base = deps.alertmanagerUrl?.replace(/\/+$/, '');

  async function upstream(method: string, path: string, body?: unknown): Promise<Upstream> {
    if (!base) throw new ServiceUnavailableError('alertmanager is not configured on this server', 60);
    let response: Response;
    try {
      response = await fetch(`${base}/api/v2${path}`, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      });
    } catch {
      throw new AppError(502, 'alertmanager is unavailable');
    }
    return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
  }

  function relay(reply: FastifyReply, answer: Upstream) {
    if (answer.status >= 500) throw new AppError(502, `alertmanager answered ${answer.status}`);
    if (answer.contentType) void reply.type(answer.contentType);
    return reply.code(answer.status).send(answer.body);
  }

  async function identityOf(request: FastifyRequest): Promise<SystemIdentity> {
    const system = await deps.systems.get(request.system.id);
    return {
      systemId: system.id,
      systemKey: system.systemKey,
      systemName: system.name,
      systemType: system.type,
      systemFqdn: system.fqdn,
      organizationId: system.organizationId,
      organizationName: system.organizationName,
    };
  }

  /** Fetches a silence and checks that it is this system's; anything else is 403, as is a silence that does not exist. */
  async function ownSilence(id: string, systemKey: string): Promise<Upstream> {
    const answer = await upstream('GET', `/silence/${encodeURIComponent(id)}`);
    if (answer.status === 404 || answer.status === 422) throw new ForbiddenError('access denied');
    if (answer.status !== 200) throw new AppError(502, `alertmanager answered ${answer.status}`);
    let silence: unknown;
    try {
      silence = JSON.parse(answer.body);
    } catch {
      throw new AppError(502, 'alertmanager answered something that is not JSON');
    }
    if (!ownsSilence(silence, systemKey)) throw new ForbiddenError('access denied');
    return answer;
  }

  function scoped<T>(rewrite: () => T): T {
    try {
      return rewrite();
    } catch (error) {
      if (error instanceof ScopeError) throw new BadRequestError(error.message);
      throw error;
    }
  }

  const rawQuery = (request: FastifyRequest) => request.url.split('?')[1] ?? '';

  return async (app) => {
    app.addHook('onRequest', requireSystem(deps.authenticator));
    const tags = ['appliance'];
    const security = [{ systemCredentials: [] }];
    const errors = errorResponses(400, 401, 403, 502, 503);
    const SilenceId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

    app.get(`${PREFIX}/alerts`, { schema: { tags, security, summary: "This system's alerts in Alertmanager", response: errors } }, async (request, reply) =>
      relay(reply, await upstream('GET', `/alerts?${scopedQuery(rawQuery(request), request.system.systemKey)}`)),
    );

    app.post(
      `${PREFIX}/alerts`,
      { schema: { tags, security, summary: "Post alerts, labelled with this system's identity", response: errors } },
      async (request, reply) => {
        const identity = await identityOf(request);
        return relay(
          reply,
          await upstream(
            'POST',
            '/alerts',
            scoped(() => scopeAlerts(request.body, identity)),
          ),
        );
      },
    );

    app.get(`${PREFIX}/silences`, { schema: { tags, security, summary: "This system's silences", response: errors } }, async (request, reply) =>
      relay(reply, await upstream('GET', `/silences?${scopedQuery(rawQuery(request), request.system.systemKey)}`)),
    );

    app.post(
      `${PREFIX}/silences`,
      { schema: { tags, security, summary: "Create or update a silence of this system's alerts", response: errors } },
      async (request, reply) => {
        const systemKey = request.system.systemKey;
        const silence = scoped(() => scopeSilence(request.body, systemKey));
        // Updating names a silence by id: it must be this system's, or Alertmanager would replace
        // (and so expire) another system's silence.
        if (silence.id !== undefined) await ownSilence(silence.id, systemKey);
        return relay(reply, await upstream('POST', '/silences', silence.body));
      },
    );

    app.get(
      `${PREFIX}/silences/:id`,
      { schema: { tags, security, summary: "One of this system's silences", params: SilenceId, response: errors } },
      async (request, reply) => relay(reply, await ownSilence(request.params.id, request.system.systemKey)),
    );

    app.delete(
      `${PREFIX}/silences/:id`,
      { schema: { tags, security, summary: "Expire one of this system's silences", params: SilenceId, response: errors } },
      async (request, reply) => {
        await ownSilence(request.params.id, request.system.systemKey);
        return relay(reply, await upstream('DELETE', `/silence/${encodeURIComponent(request.params.id)}`));
      },
    );
  };
}
