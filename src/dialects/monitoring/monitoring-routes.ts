import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock/clock.ts';
import type { ApiKeyAuthenticator, Scope } from '../../features/api-keys/index.ts';
import type { HeartbeatBatcher } from '../../features/heartbeats/index.ts';
import type { MetricsService } from '../../features/metrics/index.ts';
import type { OrganizationsService } from '../../features/organizations/index.ts';
import type { PeerComponent, PeerReports, PeerSystems, SystemsService } from '../../features/systems/index.ts';
import { installAuditTrail, noteAudit, type AuditTrailOptions } from '../../http/audit-trail.ts';
import { knownError } from '../../http/error-handler.ts';
import { findJsonLimitViolation, type JsonLimits } from '../../http/json-limits.ts';
import { DetailError, invalidKey, unprocessable } from './monitoring-errors.ts';
import { inventoryOf, machinesOf, numbersOf, pythonUtcIsoformat, staticSignature, statusOf } from './monitoring-mapping.ts';
import { DIALECT, readSettings, type SettingsOrganizations } from './monitoring-settings.ts';
import { parseReportText, validateReport, type MonitoringReport, type ValidationIssue } from './report-model.ts';

export const PREFIX = '/monitoring';
/**
 * The seed's reports are about 1 KB, a large server's (30 containers, 8 disks) 8 KB; a report is
 * kept as sent for the views, so this also bounds what one server stores.
 */
const REPORT_BODY_LIMIT = 256 * 1024;
const ALIAS_MAX_LENGTH = 255;
/** Servers whose last inventory this node remembers, so an unchanged one is not sent again. */
const INVENTORY_CACHE_SIZE = 100_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROUTES: Record<string, readonly string[]> = {
  '/': ['GET'],
  '/api/report': ['POST'],
  '/api/status': ['GET'],
  '/api/machines': ['GET'],
  '/api/hosts': ['GET'],
  '/api/docker/:host/containers': ['GET'],
  '/api/server/:alias': ['DELETE'],
};

export interface MonitoringRoutesDeps {
  clock: Clock;
  apiKeys: Pick<ApiKeyAuthenticator, 'authenticate'>;
  batcher: Pick<HeartbeatBatcher, 'submit'>;
  peers: PeerSystems;
  reports: Pick<PeerReports, 'record' | 'list' | 'count' | 'find'>;
  metrics: MetricsService;
  inventory: { ingest(systemId: string, body: Buffer): Promise<unknown> };
  systems: Pick<SystemsService, 'delete'>;
  organizations: SettingsOrganizations & Pick<OrganizationsService, 'findDefault'>;
  jsonLimits: JsonLimits;
  /** The audit trail for the operators' change (deleting a server); none in some tests. */
  audit?: AuditTrailOptions;
}

type Reported = { report: MonitoringReport; receivedAt: Date };

/** JSON content types, or none, as FastAPI decodes them; any other body reaches the model as text. */
const isJsonContent = (contentType: string | undefined) => {
  if (contentType === undefined || contentType.trim() === '') return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
};

/**
 * The monitoring agent's API (SPEC §8.2) under `/monitoring`, on the core: a report is a
 * heartbeat of its server (a system named by its alias, created on its first report), its
 * numbers are metric samples, its static part an inventory (sent when it changed), and the
 * report itself is kept for the views. Every answer has FastAPI's shapes.
 */
export function monitoringRoutes(deps: MonitoringRoutesDeps) {
  const sentInventories = new Map<string, string>();
  const component = (organizationId: string, alias: string): PeerComponent => ({ organizationId, source: DIALECT, externalId: alias, type: 'server' });

  async function authenticatedKey(request: FastifyRequest, scope: Scope) {
    try {
      return await deps.apiKeys.authenticate(request.headers.authorization, scope);
    } catch (error) {
      const status = knownError(error)?.statusCode;
      if (status === 401 || status === 403) throw invalidKey();
      throw error;
    }
  }
  const authenticate = async (request: FastifyRequest, scope: Scope): Promise<string> => (await authenticatedKey(request, scope)).organizationId;

  /** The organization whose views are asked for: the key's, or without one a public organization's. */
  async function viewer(request: FastifyRequest): Promise<string> {
    if (request.headers.authorization?.trim()) return authenticate(request, 'monitoring:read');
    const asked = (request.query as Record<string, unknown>).organization_id;
    const organizationId =
      typeof asked === 'string' && UUID.test(asked) ? asked : asked === undefined ? (await deps.organizations.findDefault())?.id : undefined;
    if (organizationId !== undefined) {
      try {
        if ((await readSettings(deps.organizations, organizationId)).publicViews) return organizationId;
      } catch (error) {
        if (knownError(error)?.statusCode !== 404) throw error;
      }
    }
    throw invalidKey();
  }

  /** The valid report, and its JSON as sent (without a byte order mark). */
  function parseBody(request: FastifyRequest): { report: MonitoringReport; json: string } {
    const text = typeof request.body === 'string' ? request.body : '';
    let value: unknown;
    let json = text;
    if (!isJsonContent(request.headers['content-type']) && text !== '') {
      value = text;
    } else {
      const refused = text === '' ? null : findJsonLimitViolation(text, deps.jsonLimits);
      if (refused)
        throw unprocessable([{ type: 'value_error', loc: ['body'], msg: `Value error, ${refused.message}`, input: {}, ctx: { error: refused.message } }]);
      const parsed = parseReportText(text);
      if ('issues' in parsed) throw unprocessable(parsed.issues);
      ({ value, json } = parsed);
    }
    const validated = validateReport(value);
    if ('issues' in validated) throw unprocessable(validated.issues);
    const alias = validated.report.server_alias;
    // Muster's own limit: the alias names a system.
    const aliasIssue: ValidationIssue | null =
      alias.trim() === ''
        ? { type: 'string_too_short', loc: ['body', 'server_alias'], msg: 'String should have at least 1 character', input: alias, ctx: { min_length: 1 } }
        : alias.length > ALIAS_MAX_LENGTH
          ? {
              type: 'string_too_long',
              loc: ['body', 'server_alias'],
              msg: `String should have at most ${ALIAS_MAX_LENGTH} characters`,
              input: alias,
              ctx: { max_length: ALIAS_MAX_LENGTH },
            }
          : null;
    if (aliasIssue) throw unprocessable([aliasIssue]);
    return { report: validated.report, json };
  }

  /** Sends the static part to the inventory pipeline when it differs from what this node sent last. */
  async function sendInventory(systemId: string, report: MonitoringReport): Promise<void> {
    const digest = hash('sha256', staticSignature(report), 'base64url');
    if (sentInventories.get(systemId) === digest) return;
    await deps.inventory.ingest(systemId, Buffer.from(JSON.stringify(inventoryOf(report))));
    sentInventories.delete(systemId);
    if (sentInventories.size >= INVENTORY_CACHE_SIZE) sentInventories.delete(sentInventories.keys().next().value!);
    sentInventories.set(systemId, digest);
  }

  /** `json`: the report as sent, kept for the views (which validate it again as they read it). */
  async function record(organizationId: string, report: MonitoringReport, json: string, at: Date): Promise<void> {
    const alias = report.server_alias;
    for (let attempt = 0; attempt < 2; attempt++) {
      const system = await deps.peers.resolve(component(organizationId, alias));
      if (system.suspended) throw new DetailError(403, `Server '${alias}' is suspended in Muster`);
      const [beat] = await Promise.all([
        deps.batcher.submit(system.id, at),
        deps.reports.record(system.id, at, json),
        deps.metrics.record({ id: system.id, organizationId }, at, numbersOf(report)),
        sendInventory(system.id, report),
      ]);
      if (beat) return;
      // Suspended or deleted since this node remembered it: look again (a deleted one is created anew).
      deps.peers.forget(component(organizationId, alias));
      sentInventories.delete(system.id);
    }
    throw new DetailError(409, `Server '${alias}' changed while its report was stored; send it again`);
  }

  async function reported(organizationId: string): Promise<Reported[]> {
    return (await deps.reports.list(organizationId, DIALECT)).flatMap((row) => {
      const validated = validateReport(row.report);
      return 'report' in validated ? [{ report: validated.report, receivedAt: row.receivedAt }] : [];
    });
  }

  async function isDown(organizationId: string): Promise<(receivedAt: Date) => boolean> {
    const { staleThresholdSeconds } = await readSettings(deps.organizations, organizationId);
    const now = deps.clock.now().getTime();
    // Strictly greater, from the time Muster received the report (the peer's rule).
    return (receivedAt) => now - receivedAt.getTime() > staleThresholdSeconds * 1000;
  }

  return async (app: FastifyInstance) => {
    await app.register(
      async (monitoring) => {
        // Only the marked route (deleting a server): reports are an agent's, not an operator's changes.
        if (deps.audit) installAuditTrail(monitoring, deps.audit, { prefix: `${PREFIX}/api`, name: 'monitoring' });
        monitoring.removeAllContentTypeParsers();
        monitoring.addContentTypeParser('*', { parseAs: 'string', bodyLimit: REPORT_BODY_LIMIT }, (_request, body, done) => done(null, body));

        monitoring.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply: FastifyReply) => {
          if (error instanceof DetailError) return reply.code(error.statusCode).send({ detail: error.detail });
          const known = knownError(error);
          if (known) {
            if (known.retryAfterSeconds !== undefined) void reply.header('retry-after', String(known.retryAfterSeconds));
            return reply.code(known.statusCode).send({ detail: known.message });
          }
          if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send({ detail: 'Request body too large' });
          const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
          if (status === 500) request.log.error({ err: error }, 'monitoring request failed');
          return reply.code(status).send({ detail: status === 500 ? 'Internal Server Error' : error.message });
        });
        // A route of its own, not only the not-found handler: the dashboard's catch-all would take these paths.
        const notFound = (_request: FastifyRequest, reply: FastifyReply) => reply.code(404).send({ detail: 'Not Found' });
        monitoring.setNotFoundHandler(notFound);
        monitoring.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], url: '/*', schema: { hide: true }, handler: notFound });
        for (const [url, methods] of Object.entries(ROUTES)) {
          monitoring.route({
            method: (['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).filter((method) => !methods.includes(method)),
            url,
            schema: { hide: true },
            handler: (_request, reply) => reply.code(405).header('allow', methods.join(', ')).send({ detail: 'Method Not Allowed' }),
          });
        }

        monitoring.post('/api/report', { schema: { hide: true } }, async (request) => {
          // As the peer: the body is validated before the key is looked at.
          const { report, json } = parseBody(request);
          const organizationId = await authenticate(request, 'monitoring:write');
          const at = deps.clock.now();
          await record(organizationId, report, json, at);
          return { status: 'ok', server_alias: report.server_alias, received_at: pythonUtcIsoformat(at) };
        });

        monitoring.get('/', { schema: { hide: true } }, async (request) => {
          const organizationId = await viewer(request);
          return {
            service: 'Server Monitoring API',
            status: 'online',
            servers_monitored: await deps.reports.count(organizationId, DIALECT),
            timestamp: pythonUtcIsoformat(deps.clock.now()),
          };
        });

        monitoring.get('/api/status', { schema: { hide: true } }, async (request) => {
          const organizationId = await viewer(request);
          const down = await isDown(organizationId);
          return { results: (await reported(organizationId)).map(({ report, receivedAt }) => statusOf(report, down(receivedAt))) };
        });

        monitoring.get('/api/machines', { schema: { hide: true } }, async (request) => {
          const organizationId = await viewer(request);
          const down = await isDown(organizationId);
          return { machines: (await reported(organizationId)).flatMap(({ report, receivedAt }) => machinesOf(report, down(receivedAt))) };
        });

        monitoring.get('/api/hosts', { schema: { hide: true } }, async (request) => {
          const organizationId = await viewer(request);
          const down = await isDown(organizationId);
          return {
            hosts: (await reported(organizationId))
              .filter(({ report }) => report.machine_type === 'host')
              .map(({ report, receivedAt }) => ({
                alias: report.server_alias,
                hostname: report.hostname,
                ip: report.ip,
                status: down(receivedAt) ? 'offline' : 'online',
              })),
          };
        });

        monitoring.get<{ Params: { host: string } }>('/api/docker/:host/containers', { schema: { hide: true } }, async (request) => {
          const organizationId = await viewer(request);
          const found = await deps.reports.find(organizationId, DIALECT, request.params.host);
          const validated = found ? validateReport(found.report) : undefined;
          if (!validated || !('report' in validated)) throw new DetailError(404, `Host '${request.params.host}' not found`);
          return validated.report.containers;
        });

        monitoring.delete<{ Params: { alias: string } }>('/api/server/:alias', { schema: { hide: true }, config: { audit: true } }, async (request) => {
          const { organizationId, keyId } = await authenticatedKey(request, 'monitoring:write');
          noteAudit({ actor: { type: 'api-key', id: keyId, userId: null }, organizationId });
          const alias = request.params.alias;
          const system = (await deps.peers.findLive(organizationId, DIALECT, [alias])).get(alias);
          if (!system) throw new DetailError(404, `Server '${alias}' not found`);
          noteAudit({ targetType: 'system', targetId: system.id });
          await deps.systems.delete(system.id);
          deps.peers.forget(component(organizationId, alias));
          sentInventories.delete(system.id);
          return { status: 'ok', message: `Server '${alias}' removed` };
        });
      },
      { prefix: PREFIX },
    );
  };
}
