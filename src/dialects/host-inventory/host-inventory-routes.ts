import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock/clock.ts';
import type { ApiKeyAuthenticator } from '../../features/api-keys/index.ts';
import type { HeartbeatBatcher } from '../../features/heartbeats/index.ts';
import type { HostsService, StalenessThresholds } from '../../features/hosts/index.ts';
import type { OrganizationsService } from '../../features/organizations/index.ts';
import type { SystemsService } from '../../features/systems/index.ts';
import { requireBearer } from '../../http/admin-auth.ts';
import { installAuditTrail, noteAudit, type AuditTrailOptions } from '../../http/audit-trail.ts';
import { knownError } from '../../http/error-handler.ts';
import { FORBIDDEN_DETAIL, hostsNotFound, InventoryProblem, NOT_FOUND_DETAIL } from './host-inventory-errors.ts';
import { invalidToken, parseIdentityHeader } from './identity.ts';
import { presentHost } from './hosts-presenter.ts';
import { stalenessRoutes, type StalenessRoutesDeps } from './staleness.ts';
import { parseCheckin, parsePatch } from './host-changes.ts';
import { DEFAULT_PER_PAGE, parseHostIds, parseListQuery, parseTagsQuery, sparseFields, tagOf, type Query } from './hosts-query.ts';

export const PREFIX = '/api/inventory/v1';

export interface HostInventoryRoutesDeps {
  clock: Clock;
  apiKeys: Pick<ApiKeyAuthenticator, 'authenticate'>;
  hosts: HostsService;
  systems: Pick<SystemsService, 'update' | 'delete'>;
  /** Liveness: a check-in is a heartbeat of its host. */
  batcher: Pick<HeartbeatBatcher, 'submit'>;
  /** How callers identify: an organization API key (the default), or the gateway's `x-rh-identity` header. */
  identity: 'api-key' | 'header';
  /** The organization's staleness thresholds (its `/account/staleness` settings, else the defaults). */
  staleness(organizationId: string): Promise<StalenessThresholds>;
  organizations: StalenessRoutesDeps['organizations'] & Pick<OrganizationsService, 'resolve'>;
  version: string;
  /** Muster's Prometheus text (what `GET /metrics` serves), and METRICS_TOKEN's hash when one is set. */
  metrics: { contentType: string; render(): Promise<string>; tokenHash?: Buffer };
  /** The audit trail for the operators' changes (PATCH and DELETE of hosts, the staleness settings); none in some tests. */
  audit?: AuditTrailOptions;
}

/** Who asks: the organization, and for a System identity the subscription_manager_id of the only host it may see. */
type Caller = { organizationId: string; owner?: string };

type IdsRequest = { Params: { '*': string }; Querystring: Query };

/**
 * The host-inventory API (SPEC §8.3) under `/api/inventory/v1`: every live system is a host, with
 * the canonical facts and system profile derived from its latest inventory and its staleness
 * from its last check-in. Answers and errors have the peer's shapes.
 */
export function hostInventoryRoutes(deps: HostInventoryRoutesDeps) {
  async function apiKeyOrganization(request: FastifyRequest, write: boolean): Promise<string> {
    try {
      const key = await deps.apiKeys.authenticate(request.headers.authorization, write ? 'host-inventory:write' : 'host-inventory:read');
      noteAudit({ actor: { type: 'api-key', id: key.keyId, userId: null }, organizationId: key.organizationId });
      return key.organizationId;
    } catch (error) {
      const status = knownError(error)?.statusCode;
      if (status === 401 || status === 403) throw invalidToken();
      throw error;
    }
  }

  /**
   * Who asks: an organization API key, or with HOST_INVENTORY_IDENTITY=header the gateway's
   * `x-rh-identity` (its org_id names the organization by id or name; a key sent as well must be
   * of the same organization). A System identity is its own host's owner: it sees only that host
   * and may only check it in.
   */
  async function callerOf(request: FastifyRequest, access: 'read' | 'write' | 'checkin'): Promise<Caller> {
    const write = access !== 'read';
    if (deps.identity !== 'header') return { organizationId: await apiKeyOrganization(request, write) };
    const header = request.headers['x-rh-identity'];
    const identity = parseIdentityHeader(typeof header === 'string' ? header : undefined);
    const organization = await deps.organizations.resolve(identity.orgId);
    if (!organization) throw invalidToken();
    if (request.headers.authorization?.trim() && (await apiKeyOrganization(request, write)) !== organization.id) throw invalidToken();
    noteAudit({ organizationId: organization.id });
    if (!identity.system) return { organizationId: organization.id };
    if (access === 'write') throw new InventoryProblem(403, FORBIDDEN_DETAIL);
    return { organizationId: organization.id, owner: identity.system.cn.toLowerCase() };
  }

  const organizationOf = async (request: FastifyRequest, write = false) => (await callerOf(request, write ? 'write' : 'read')).organizationId;

  /** The hosts named by `{ids}`, of the organization only; any missing is a 404 naming them. */
  async function namedHosts({ organizationId, owner }: Caller, raw: string, profileFields?: readonly string[]) {
    const ids = parseHostIds(raw);
    const thresholds = await deps.staleness(organizationId);
    const { hosts } = await deps.hosts.list({
      organizationId,
      owner,
      ids,
      profileFields,
      orderBy: 'updated',
      orderHow: 'DESC',
      limit: ids.length,
      offset: 0,
    });
    const found = new Set(hosts.map((host) => host.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw hostsNotFound(missing);
    return { ids, hosts, thresholds };
  }

  const page = <T>(results: T, count: number) => ({ total: count, count, page: 1, per_page: Math.max(count, DEFAULT_PER_PAGE), results });

  /** What `GET /hosts/{ids}/<view>` answers, by view ('' for the hosts themselves). */
  const HOST_VIEWS: Record<string, (request: FastifyRequest<IdsRequest>, ids: string) => Promise<unknown>> = {
    '': async (request, raw) => {
      const caller = await callerOf(request, 'read');
      const fields = typeof request.query['fields[system_profile]'] === 'string' ? sparseFields(request.query['fields[system_profile]']) : undefined;
      const { hosts, thresholds } = await namedHosts(caller, raw, fields);
      const now = deps.clock.now();
      return page(
        hosts.map((host) => presentHost(host, thresholds, now)),
        hosts.length,
      );
    },
    system_profile: async (request, raw) => {
      const caller = await callerOf(request, 'read');
      const { ids } = await namedHosts(caller, raw);
      const profiles = await deps.hosts.profiles(caller.organizationId, ids);
      const results = ids.filter((id) => profiles.has(id)).map((id) => ({ id, system_profile: profiles.get(id) }));
      return page(results, results.length);
    },
    tags: async (request, raw) => {
      const { hosts } = await namedHosts(await callerOf(request, 'read'), raw);
      const tags = (labels: Record<string, string>) =>
        Object.entries(labels)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, value]) => tagOf(key, value));
      return page(Object.fromEntries(hosts.map((host) => [host.id, tags(host.labels)])), hosts.length);
    },
    'tags/count': async (request, raw) => {
      const { hosts } = await namedHosts(await callerOf(request, 'read'), raw);
      return page(Object.fromEntries(hosts.map((host) => [host.id, Object.keys(host.labels).length])), hosts.length);
    },
  };

  return async (app: FastifyInstance) => {
    await app.register(
      async (inventory) => {
        if (deps.audit) installAuditTrail(inventory, deps.audit, { prefix: PREFIX, name: 'host-inventory' });
        inventory.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply: FastifyReply) => {
          if (error instanceof InventoryProblem) return sendProblem(reply, error);
          const known = knownError(error);
          if (known) {
            if (known.retryAfterSeconds !== undefined) void reply.header('retry-after', String(known.retryAfterSeconds));
            return sendProblem(reply, new InventoryProblem(known.statusCode, known.message));
          }
          const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
          if (status === 500) request.log.error({ err: error }, 'host-inventory request failed');
          return sendProblem(reply, new InventoryProblem(status, status === 500 ? 'The server encountered an internal error.' : error.message));
        });
        const notFound = (_request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, new InventoryProblem(404, NOT_FOUND_DETAIL));
        inventory.setNotFoundHandler(notFound);
        // A route of its own, not only the not-found handler: the dashboard's catch-all would take these paths.
        inventory.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: '/*', schema: { hide: true }, handler: notFound });

        inventory.get<{ Querystring: Query }>('/hosts', { schema: { hide: true } }, async (request) => {
          const { organizationId, owner } = await callerOf(request, 'read');
          const { query, staleness, page, perPage } = parseListQuery(request.query);
          const thresholds = await deps.staleness(organizationId);
          const now = deps.clock.now();
          const { total, hosts } = await deps.hosts.list({ ...query, organizationId, owner, staleness: { states: staleness, thresholds, now } });
          // The peer's paginate: a page past the end is not found, except the first (an empty list).
          if (hosts.length === 0 && page > 1) throw new InventoryProblem(404, NOT_FOUND_DETAIL);
          return { total, count: hosts.length, page, per_page: perPage, results: hosts.map((host) => presentHost(host, thresholds, now)) };
        });

        // One wildcard for the routes under /hosts/{ids}: up to 100 ids make a segment longer than the router's parameters may be.
        inventory.get<IdsRequest>('/hosts/*', { schema: { hide: true } }, async (request) => {
          const [ids, ...rest] = request.params['*'].split('/');
          const view = HOST_VIEWS[rest.join('/')];
          if (ids === undefined || ids === '' || view === undefined) throw new InventoryProblem(404, NOT_FOUND_DETAIL);
          return view(request, ids);
        });

        inventory.get<{ Querystring: Query }>('/tags', { schema: { hide: true } }, async (request) => {
          const { organizationId, owner } = await callerOf(request, 'read');
          const { page, perPage, orderBy, orderHow, search, staleness } = parseTagsQuery(request.query);
          const { total, labels } = await deps.hosts.labelCounts({
            organizationId,
            owner,
            staleness: { states: staleness, thresholds: await deps.staleness(organizationId), now: deps.clock.now() },
            search,
            orderBy,
            orderHow,
            limit: perPage,
            offset: (page - 1) * perPage,
          });
          if (labels.length === 0 && page > 1) throw new InventoryProblem(404, NOT_FOUND_DETAIL);
          const results = labels.map((label) => ({ tag: tagOf(label.key, label.value), count: label.count }));
          return { total, count: results.length, page, per_page: perPage, results };
        });

        inventory.get<{ Querystring: Query }>('/system_profile/operating_system', { schema: { hide: true } }, async (request) => {
          const { organizationId, owner } = await callerOf(request, 'read');
          const { page, perPage, staleness } = parseTagsQuery(request.query);
          const { total, systems } = await deps.hosts.operatingSystems({
            organizationId,
            owner,
            staleness: { states: staleness, thresholds: await deps.staleness(organizationId), now: deps.clock.now() },
            limit: perPage,
            offset: (page - 1) * perPage,
          });
          if (systems.length === 0 && page > 1) throw new InventoryProblem(404, NOT_FOUND_DETAIL);
          const results = systems.map(({ count, ...value }) => ({ value, count }));
          return { total, count: results.length, page, per_page: perPage, results };
        });

        inventory.patch<IdsRequest & { Body: unknown }>('/hosts/*', { schema: { hide: true }, config: { audit: true } }, async (request, reply) => {
          const caller = await callerOf(request, 'write');
          const { organizationId } = caller;
          const ids = singleSegment(request.params['*']);
          const change = parsePatch(request.body);
          const named = await namedHosts(caller, ids);
          for (const id of named.ids) if (change.displayName !== undefined) await deps.systems.update(id, { name: change.displayName });
          if (change.ansibleHost !== undefined) await deps.hosts.setAnsibleHost(organizationId, named.ids, change.ansibleHost);
          return reply.code(200).send();
        });

        inventory.delete<IdsRequest>('/hosts/*', { schema: { hide: true }, config: { audit: true } }, async (request) => {
          const { ids } = await namedHosts(await callerOf(request, 'write'), singleSegment(request.params['*']));
          // A soft delete: the system can be restored through /api/v1.
          for (const id of ids) await deps.systems.delete(id);
          return {};
        });

        inventory.post<{ Body: unknown }>('/hosts/checkin', { schema: { hide: true } }, async (request, reply) => {
          const { organizationId, owner } = await callerOf(request, 'checkin');
          const facts = parseCheckin(request.body);
          const id = await deps.hosts.findByCanonicalFacts(organizationId, facts);
          const noMatch = () => new InventoryProblem(404, 'No hosts match the provided canonical facts.');
          if (id === undefined) throw noMatch();
          const { hosts } = await deps.hosts.list({ organizationId, owner, ids: [id], orderBy: 'updated', orderHow: 'DESC', limit: 1, offset: 0 });
          // A System identity checks in its own host only.
          if (hosts.length === 0) throw noMatch();
          const now = deps.clock.now();
          if (!(await deps.batcher.submit(id, now))) throw noMatch();
          return reply.code(201).send(presentHost({ ...hosts[0]!, lastCheckIn: now }, await deps.staleness(organizationId), now));
        });

        await inventory.register(stalenessRoutes({ organizations: deps.organizations, clock: deps.clock, organizationOf }));

        inventory.get('/health', { schema: { hide: true } }, async (_request, reply) => reply.code(200).send(''));
        inventory.get('/version', { schema: { hide: true } }, async () => ({ version: deps.version }));
        await inventory.register(async (scope) => {
          // The peer's /metrics is Muster's own, behind the same token when one is set.
          if (deps.metrics.tokenHash) scope.addHook('onRequest', requireBearer(deps.metrics.tokenHash, 'metrics'));
          scope.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(deps.metrics.contentType).send(await deps.metrics.render()));
        });
      },
      { prefix: PREFIX },
    );
  };
}

/** `/hosts/{ids}` with nothing after the ids (PATCH, DELETE); anything else is not a route. */
function singleSegment(path: string): string {
  if (path === '' || path.includes('/')) throw new InventoryProblem(404, NOT_FOUND_DETAIL);
  return path;
}

function sendProblem(reply: FastifyReply, problem: InventoryProblem): FastifyReply {
  return reply.code(problem.statusCode).header('content-type', 'application/problem+json').send(JSON.stringify(problem.body));
}
