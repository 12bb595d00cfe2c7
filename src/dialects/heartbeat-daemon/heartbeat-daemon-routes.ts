import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock/clock.ts';
import type { ApiKeyAuthenticator } from '../../features/api-keys/index.ts';
import type { HeartbeatBatcher } from '../../features/heartbeats/index.ts';
import type { LivenessService } from '../../features/liveness/index.ts';
import type { HealthChecks } from '../../features/probes/index.ts';
import type { PeerComponent, PeerSystems } from '../../features/systems/index.ts';
import { knownError } from '../../http/error-handler.ts';
import { findJsonLimitViolation, type JsonLimits } from '../../http/json-limits.ts';
import { goJsonStringify, keyMatchesField, readTopLevelMembers } from './go-json.ts';
import { parseHeartbeatBody, parseHeartbeatForXnameBody, type Heartbeat } from './heartbeat-body.ts';
import { renderParams } from './params.ts';
import { DIALECT, patchParams, readParams, type ParamsOrganizations } from './params-settings.ts';
import { badRequest, methodNotAllowed, problemAnswer, type METHODS_ALLOWED, type ProblemAnswer } from './problem.ts';
import type { StateManagerStatus } from './state-manager.ts';
import { normalizeXname, verifyNormalizeXname } from './xname.ts';

export const PREFIX = '/hmi/v1';
/** Heartbeats are a few hundred bytes; other bodies (a list of xnames, parameters) up to 1 MiB. */
const HEARTBEAT_BODY_LIMIT = 64 * 1024;
const BODY_LIMIT = 1024 * 1024;
const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export interface HeartbeatDaemonRoutesDeps {
  clock: Clock;
  apiKeys: Pick<ApiKeyAuthenticator, 'authenticate'>;
  batcher: Pick<HeartbeatBatcher, 'submit'>;
  peers: PeerSystems;
  liveness: Pick<LivenessService, 'peerHeartbeats'>;
  organizations: ParamsOrganizations;
  health: HealthChecks;
  stateManager: () => StateManagerStatus;
  jsonLimits: JsonLimits;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The organization of the heartbeat-daemon API key that authenticated the request. */
    hmiOrganizationId?: string;
  }
}

// Bodies go out as bytes: Fastify would add `; charset=utf-8` to a string's content type, which the daemon does not send.
function send(reply: FastifyReply, answer: ProblemAnswer): FastifyReply {
  return reply.code(answer.statusCode).headers(answer.headers).send(Buffer.from(answer.body));
}

const json = (reply: FastifyReply, status: number, value: unknown, trailer = '') =>
  reply
    .code(status)
    .header('content-type', 'application/json')
    .send(Buffer.from(goJsonStringify(value) + trailer));

/** The body as the daemon reads it: whatever was sent, as text ('' for none). */
const bodyText = (request: FastifyRequest): string => (typeof request.body === 'string' ? request.body : '');

/**
 * The daemon's `/hmi/v1` API (SPEC §8.1) on the core: heartbeats go through the heartbeat batcher
 * to the liveness engine (answered once stored), each component a system of type `node` in the
 * API key's organization; parameters are the organization's; every error an RFC 7807 problem.
 */
export function heartbeatDaemonRoutes(deps: HeartbeatDaemonRoutesDeps) {
  const component = (organizationId: string, xname: string): PeerComponent => ({ organizationId, source: DIALECT, externalId: xname, type: 'node' });

  async function recordHeartbeat(request: FastifyRequest, heartbeat: Heartbeat, instance: string): Promise<ProblemAnswer | null> {
    const organizationId = request.hmiOrganizationId!;
    const at = deps.clock.now();
    const report = { status: heartbeat.status, time: heartbeat.timestamp };
    for (let attempt = 0; attempt < 2; attempt++) {
      const system = await deps.peers.resolve(component(organizationId, heartbeat.component));
      if (system.suspended) return problemAnswer({ status: 403, detail: `Component ${heartbeat.component} is suspended in Muster`, instance });
      if (await deps.batcher.submit(system.id, at, report)) return null;
      // Suspended or deleted since this node remembered it: look again (a deleted one is created anew).
      deps.peers.forget(component(organizationId, heartbeat.component));
    }
    return problemAnswer({ status: 409, detail: `Component ${heartbeat.component} changed while its heartbeat was stored; send it again`, instance });
  }

  return async (app: FastifyInstance) => {
    await app.register(
      async (hmi) => {
        // The daemon reads every body as text whatever its content type.
        hmi.removeAllContentTypeParsers();
        hmi.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

        hmi.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
          const instance = request.url.split('?')[0]!;
          const known = knownError(error);
          if (known) {
            const headers: Record<string, string> = {};
            if (known.retryAfterSeconds !== undefined) headers['retry-after'] = String(known.retryAfterSeconds);
            if (known.challenge) headers['www-authenticate'] = known.challenge;
            return send(reply, problemAnswer({ status: known.statusCode, detail: known.message, instance }, headers));
          }
          if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, problemAnswer({ status: 413, detail: 'Request body too large', instance }));
          const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
          if (status === 500) request.log.error({ err: error }, 'heartbeat-daemon request failed');
          return send(reply, problemAnswer({ status, detail: status === 500 ? 'Internal error' : error.message, instance }));
        });
        hmi.setNotFoundHandler((request, reply) => send(reply, problemAnswer({ status: 404, detail: 'No such route', instance: request.url.split('?')[0]! })));

        const authenticate = async (request: FastifyRequest) => {
          const key = await deps.apiKeys.authenticate(request.headers.authorization, 'heartbeat-daemon');
          request.hmiOrganizationId = key.organizationId;
        };

        /** The daemon's 405 for every other method of a route. */
        const refuseOthers = (url: string, allowed: keyof typeof METHODS_ALLOWED, methods: readonly string[]) =>
          hmi.route({
            method: ALL_METHODS.filter((method) => !methods.includes(method)),
            url,
            schema: { hide: true },
            handler: (request, reply) => send(reply, methodNotAllowed(allowed, PREFIX + url.replace('{xname}', ''))),
          });

        /** Refuses a JSON body past the API's limits before it is decoded (what the daemon would hold is the daemon's problem). */
        const limited = (text: string, instance: string): ProblemAnswer | null => {
          const violation = findJsonLimitViolation(text, deps.jsonLimits);
          return violation ? badRequest(`request body refused: ${violation.message}`, instance) : null;
        };

        hmi.post(
          '/heartbeat',
          { onRequest: authenticate, bodyLimit: HEARTBEAT_BODY_LIMIT, config: { bodyBudget: 'exempt' }, schema: { hide: true } },
          async (request, reply) => {
            const instance = `${PREFIX}/heartbeat`;
            const text = bodyText(request);
            const refused = limited(text, instance);
            if (refused) return send(reply, refused);
            const result = parseHeartbeatBody(text);
            if (!result.ok) return send(reply, badRequest(result.detail, instance));
            const problem = await recordHeartbeat(request, result.heartbeat, instance);
            return problem ? send(reply, problem) : reply.code(200).send();
          },
        );
        refuseOthers('/heartbeat', 'heartbeat', ['POST']);

        hmi.post<{ Params: { xname: string } }>(
          '/heartbeat/:xname',
          { onRequest: authenticate, bodyLimit: HEARTBEAT_BODY_LIMIT, config: { bodyBudget: 'exempt' }, schema: { hide: true } },
          async (request, reply) => {
            const instance = `${PREFIX}/heartbeat/${request.params.xname}`;
            const text = bodyText(request);
            const refused = limited(text, instance);
            if (refused) return send(reply, refused);
            const result = parseHeartbeatForXnameBody(text, request.params.xname);
            if (!result.ok) return send(reply, badRequest(result.detail, instance));
            const problem = await recordHeartbeat(request, result.heartbeat, instance);
            return problem ? send(reply, problem) : reply.code(200).send();
          },
        );
        refuseOthers('/heartbeat/:xname', 'heartbeat', ['POST']);

        hmi.get('/params', { onRequest: authenticate, schema: { hide: true } }, async (request, reply) =>
          json(reply, 200, renderParams(await readParams(deps.organizations, request.hmiOrganizationId!))),
        );
        hmi.patch('/params', { onRequest: authenticate, bodyLimit: BODY_LIMIT, schema: { hide: true } }, async (request, reply) => {
          const instance = `${PREFIX}/params`;
          const text = bodyText(request);
          const refused = limited(text, instance);
          if (refused) return send(reply, refused);
          const result = await patchParams(deps.organizations, request.hmiOrganizationId!, text);
          if (!result.ok) return send(reply, badRequest(result.detail, instance));
          return json(reply, 200, renderParams(result.params));
        });
        refuseOthers('/params', 'params', ['GET', 'PATCH']);

        /** Heartbeating: the last heartbeat is younger than Errtime (a warned component still counts). */
        async function heartbeating(organizationId: string, xnames: readonly string[]): Promise<Map<string, boolean>> {
          const [params, beats] = await Promise.all([
            readParams(deps.organizations, organizationId),
            deps.liveness.peerHeartbeats(organizationId, DIALECT, xnames),
          ]);
          const now = deps.clock.now().getTime();
          const answer = new Map<string, boolean>();
          for (const xname of xnames) {
            const last = beats.get(xname)?.lastHeartbeat;
            answer.set(xname, last != null && now - last.getTime() < params.errtime * 1000);
          }
          return answer;
        }

        hmi.post('/hbstates', { onRequest: authenticate, bodyLimit: BODY_LIMIT, schema: { hide: true } }, async (request, reply) => {
          const instance = `${PREFIX}/hbstates`;
          const text = bodyText(request);
          const refused = limited(text, instance);
          if (refused) return send(reply, refused);
          const requested = readXnames(text);
          if (requested === null) return send(reply, badRequest('Error unmarshalling inbound request', instance));
          const xnames = requested.map((xname) => verifyNormalizeXname(xname) ?? normalizeXname(xname));
          const states = await heartbeating(request.hmiOrganizationId!, [...new Set(xnames)]);
          // Go marshals an empty list of states as null.
          const HBStates = xnames.length === 0 ? null : xnames.map((xname) => ({ XName: xname, Heartbeating: states.get(xname) ?? false }));
          return json(reply, 200, { HBStates });
        });
        refuseOthers('/hbstates', 'post', ['POST']);

        hmi.get<{ Params: { xname: string } }>('/hbstate/:xname', { onRequest: authenticate, schema: { hide: true } }, async (request, reply) => {
          const xname = verifyNormalizeXname(request.params.xname) ?? normalizeXname(request.params.xname);
          const states = await heartbeating(request.hmiOrganizationId!, [xname]);
          return json(reply, 200, { XName: xname, Heartbeating: states.get(xname) ?? false });
        });
        refuseOthers('/hbstate/:xname', 'get', ['GET']);

        // Probes, as the daemon's: no authentication, about this Muster node.
        hmi.get('/health', { schema: { hide: true } }, async (_request, reply) => {
          const [database, jobs] = await Promise.all([deps.health.database(), deps.health.jobs()]);
          // json.NewEncoder: a newline after the value.
          return json(
            reply,
            200,
            {
              KvStore: database ? 'Initialization key present: database reachable' : 'Error accessing key values:database unavailable',
              MsgBus: jobs ? 'Connected and OPEN' : 'Not Connected',
              HsmStatus: deps.stateManager(),
            },
            '\n',
          );
        });
        refuseOthers('/health', 'get', ['GET']);
        hmi.get('/liveness', { schema: { hide: true } }, async (_request, reply) => reply.code(204).send());
        refuseOthers('/liveness', 'get', ['GET']);
        hmi.get('/readiness', { schema: { hide: true } }, async (_request, reply) => reply.code((await deps.health.database()) ? 204 : 503).send());
        refuseOthers('/readiness', 'get', ['GET']);
      },
      { prefix: PREFIX },
    );
  };
}

/** `{"XNames": [...]}` decoded as Go does (keys case-insensitive, last wins, null leaves it); null when Go's Unmarshal fails. */
function readXnames(text: string): string[] | null {
  const members = readTopLevelMembers(text);
  if (members === 'null') return [];
  if (typeof members === 'string') return null;
  let xnames: string[] = [];
  for (const member of members) {
    if (!keyMatchesField(member.key, 'XNames') || member.value === null) continue;
    if (!Array.isArray(member.value)) return null;
    const next: string[] = [];
    for (const item of member.value) {
      if (item === null) next.push('');
      else if (typeof item === 'string') next.push(item);
      else return null;
    }
    xnames = next;
  }
  return xnames;
}
