import { isUuid } from '../domain/ids.ts';
import { isChange } from './access-control.ts';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Clock } from '../clock/clock.ts';
import { runInAuditScope, type AuditEntry, type AuditOutcome, type AuditScope } from '../db/audit-scope.ts';
import { describePrincipal, type Principal } from '../domain/access.ts';
import { AppError } from '../errors/errors.ts';
import { createFailureLog } from '../logging/failure-log.ts';

/** What a route adds to its request's audit row (for routes that cannot reach src/db, such as a dialect's). */
export { noteAudit } from '../db/audit-scope.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Audit this route although its method is safe: a sign-in that arrives as a GET (single sign-on's callback). */
    audit?: boolean;
  }
  interface FastifyRequest {
    /** The audit row of a change in flight (src/db/audit-scope.ts). */
    auditScope?: AuditScope & { handled: boolean; error?: string };
  }
}

export interface AuditTrailOptions {
  clock: Clock;
  /** Where a row that could not be written is reported. */
  logger: Logger;
  /** Writes a row in a transaction of its own: failures, denials, and changes whose transactions wrote none. */
  record: (entry: AuditEntry) => Promise<void>;
  /** Sets the status of a row written inside the change's transaction, when the answer's differs from the one expected. */
  correctStatus: (id: string, httpStatus: number) => Promise<void>;
}

const USER_AGENT_MAX = 256;
const MESSAGE_MAX = 200;
/** Path segments before an id whose singular is not the segment without its `s`. */
const TARGET_TYPES: Record<string, string> = { dead: 'job', staleness: 'staleness' };

/**
 * Audits every change (POST, PUT, PATCH, DELETE) in a scope of routes: the handler runs in an
 * audit scope, so the change's first committing transaction carries the row (the audited Db);
 * when none did (a failure, a denial, a route whose change is not in Muster's database), the row
 * is written before the answer goes out, in a transaction of its own, with the outcome.
 */
/**
 * A dialect's routes audited (a peer's API under its own prefix): only the routes marked
 * `config: { audit: true }` (its operators' changes, not its agents' reports), their actions named
 * after the dialect (`host-inventory.hosts.delete`).
 */
export interface DialectAudit {
  prefix: string;
  name: string;
}

export function installAuditTrail(scope: FastifyInstance, options: AuditTrailOptions, dialect?: DialectAudit): void {
  // Routes that also answer GET: a POST there creates (`systems.create`); elsewhere, unless its last segment is a plural, it is an action (`systems.suspend`).
  const collections = new Set<string>();
  scope.addHook('onRoute', (route: RouteOptions) => {
    if ([route.method].flat().includes('GET')) collections.add(route.url);
  });

  const scopeOf = (request: FastifyRequest, reply: FastifyReply) => {
    request.auditScope ??= createScope(request, reply, collections, options.clock, dialect);
    return request.auditScope;
  };
  const audited = (request: FastifyRequest) => request.routeOptions.config.audit === true || (dialect === undefined && isChange(request.method));
  const logFailure = createFailureLog(options.logger);

  // Callback style: the handler, called from done(), runs inside the scope, and so does all it awaits.
  scope.addHook('preHandler', (request, reply, done) => {
    if (!audited(request)) return done();
    const auditScope = scopeOf(request, reply);
    auditScope.handled = true;
    runInAuditScope(auditScope, done);
  });

  scope.addHook('onError', async (request, reply, error) => {
    if (audited(request)) scopeOf(request, reply).error = describeError(error);
  });

  scope.addHook('onSend', async (request, reply, payload) => {
    if (!audited(request)) return payload;
    const auditScope = scopeOf(request, reply);
    auditScope.ended = true;
    const status = reply.statusCode;
    const write = async () => {
      if (auditScope.written === undefined) {
        await options.record(auditScope.build(outcomeOf(status, auditScope.handled)));
      } else if (status >= 400) {
        // A change committed, then the request failed: the committed part has its row, the failure one more.
        await options.record({ ...auditScope.build('failure'), details: { error: auditScope.error ?? null, after_committed_change: true } });
      } else if (status !== auditScope.written.httpStatus) {
        await options.correctStatus(auditScope.written.id, status);
      }
    };
    const failed = (error: unknown) => logFailure(error, { method: request.method, url: request.routeOptions.url }, 'could not write the audit log');
    // Written before the answer, so a client that sees it can read its row; but a 503 (the
    // database unavailable, most likely) is not held up by one more wait for the database.
    if (status === 503) void write().catch(failed);
    else await write().catch(failed);
    return payload;
  });
}

/**
 * What the row says of a failure: Muster's own messages and validation messages (which name
 * fields, not values); never the message of a body that failed to parse (it quotes the body)
 * nor of an unexpected error (it may quote anything).
 */
function describeError(error: Error & { validation?: unknown }): string {
  if (error instanceof AppError || error.validation !== undefined) return error.message.slice(0, MESSAGE_MAX);
  return error instanceof SyntaxError ? 'invalid JSON body' : error.name.slice(0, MESSAGE_MAX);
}

function outcomeOf(status: number, handled: boolean): AuditOutcome {
  if (status < 400) return 'success';
  // Refused by authentication or access control, before the handler ran.
  return !handled && (status === 401 || status === 403 || status === 404) ? 'denied' : 'failure';
}

function createScope(
  request: FastifyRequest,
  reply: FastifyReply,
  collections: ReadonlySet<string>,
  clock: Clock,
  dialect: DialectAudit | undefined,
): NonNullable<FastifyRequest['auditScope']> {
  const url = request.routeOptions.url ?? request.url;
  const path = dialect ? `${dialect.name}/${url.slice(url.indexOf(dialect.prefix) + dialect.prefix.length)}` : url.replace(/^.*?\/api\/v1\//, '');
  // A wildcard (`/hosts/*`, a list of ids) is a parameter like `:id`, named `*`.
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((segment) => (segment === '*' ? ':*' : segment));
  const last = segments.at(-1) ?? '';
  // A collection: a path that also answers GET, or whose last segment is a plural (`/organizations/:id/invitations`).
  const creates = request.method === 'POST' && (collections.has(url) || (!last.startsWith(':') && last.endsWith('s')));
  const scope: NonNullable<FastifyRequest['auditScope']> = {
    note: {},
    state: 'open',
    ended: false,
    handled: false,
    build(outcome): AuditEntry {
      const principal = (request as { principal?: Principal }).principal;
      const described = principal ? describePrincipal(principal) : { type: 'anonymous' as const, id: null };
      const actor = scope.note.actor ?? { type: described.type, id: described.id, userId: principal?.kind === 'user' ? principal.userId : null };
      const target = targetOf(segments, request.params as Record<string, unknown>, creates);
      const targetId = scope.note.targetId ?? target.id ?? (creates ? scope.createdId : undefined) ?? null;
      const targetType = scope.note.targetType ?? target.type;
      const organizationId = scope.note.organizationId ?? request.organizationId ?? (targetType === 'organization' ? targetId : undefined);
      const userAgent = request.headers['user-agent'];
      return {
        id: randomUUID(),
        occurredAt: clock.now(),
        actorType: actor.type,
        actorId: actor.id,
        userId: actor.userId,
        organizationId: organizationId !== undefined && organizationId !== null && isUuid(organizationId) ? organizationId : null,
        action: actionOf(request.method, segments, creates),
        targetType,
        targetId,
        outcome,
        httpStatus: outcome === 'success' ? successStatus(request, reply) : reply.statusCode,
        address: request.ip,
        userAgent: typeof userAgent === 'string' ? storable(userAgent.slice(0, USER_AGENT_MAX)) : null,
        details: { ...scope.note.details, ...(outcome === 'success' ? {} : { error: scope.error ?? null }) },
      };
    },
  };
  return scope;
}

/**
 * The action's stable name, from the route: its fixed path segments joined by dots, then
 * `create` for a POST to a collection (a path that also answers GET, or ending in a plural), nothing more for a POST
 * to an action (`/systems/:id/suspend` → `systems.suspend`) or an audited GET, and `update` (PATCH), `set` (PUT)
 * or `delete` (DELETE) for the rest.
 */
export function actionOf(method: string, segments: readonly string[], creates: boolean): string {
  const resource = segments.filter((segment) => !segment.startsWith(':')).join('.');
  const endsInId = segments.at(-1)?.startsWith(':') ?? false;
  if (method === 'POST') return creates ? `${resource}.create` : endsInId ? `${resource}.update` : resource;
  if (method === 'GET') return resource;
  const verb = method === 'PATCH' ? 'update' : method === 'PUT' ? 'set' : 'delete';
  return `${resource}.${verb}`;
}

/** The target: for a creation, the collection's thing; else the last id in the path and the thing its segment names. */
function targetOf(segments: readonly string[], params: Record<string, unknown> | undefined, creates: boolean): { type: string | null; id: string | undefined } {
  if (creates) return { type: singular(segments.at(-1)!), id: undefined };
  for (let index = segments.length - 1; index > 0; index--) {
    const segment = segments[index]!;
    if (!segment.startsWith(':')) continue;
    const value = params?.[segment.slice(1)];
    return { type: singular(segments[index - 1]!), id: typeof value === 'string' ? storable(value.slice(0, 200)) : undefined };
  }
  return { type: segments[0] === undefined ? null : singular(segments[0]), id: undefined };
}

/** Text PostgreSQL can store: no NUL, no unpaired surrogate (a path parameter is whatever the caller sent). */
function storable(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

function singular(segment: string): string {
  return TARGET_TYPES[segment] ?? segment.replace(/s$/, '');
}

/** The status the route answers on success: its only 2xx answer, else the one set so far. */
function successStatus(request: FastifyRequest, reply: FastifyReply): number {
  const responses = (request.routeOptions.schema?.response ?? {}) as Record<string, unknown>;
  const successes = Object.keys(responses).filter((code) => /^2\d\d$/.test(code));
  if (successes.length === 1) return Number(successes[0]);
  return reply.statusCode < 300 ? reply.statusCode : 200;
}
