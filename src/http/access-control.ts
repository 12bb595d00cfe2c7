import { isUuid } from '../domain/ids.ts';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import {
  can,
  isGlobalAdmin,
  isMember,
  organizationScope,
  ORGANIZATION_PERMISSIONS,
  type GlobalPermission,
  type OrganizationPermission,
  type Principal,
} from '../domain/access.ts';
import { ForbiddenError, NotFoundError } from '../errors/errors.ts';
import { errorResponses } from './schemas.ts';

/**
 * Where a route's organization comes from, so that access is decided before the handler runs:
 * - `organization`: the `:id` path parameter is the organization;
 * - `system`: the `:id` path parameter is a system, whose organization decides;
 * - `body`: the body's `organization_id`, or the default organization when it has none;
 * - `fleet`: the caller's organizations where it holds the permission (at least one); the handler narrows its answer with `organizationScope`;
 * - `global`: no organization, a global permission (global admins);
 * - `user`: a signed-in user (by session or personal token), acting on their own things (tokens);
 * - `signed-in`: any caller with valid credentials (who am I);
 * - `public`: no credentials at all (signing in, accepting an invitation).
 */
export type RouteAccess =
  | { on: 'organization' | 'system' | 'body' | 'fleet'; permission: OrganizationPermission }
  | { on: 'global'; permission: GlobalPermission }
  | { on: 'user' | 'signed-in' | 'public' };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs (src/http/access-control.ts); every `/api/v1` route declares it. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** Who is asking; set on every `/api/v1` route but public ones. */
    principal: Principal;
    /**
     * The organization the route acts on as access control resolved it (for global admins too,
     * on changes), for the audit log; undefined for fleet, global, user and public routes.
     */
    organizationId?: string;
  }
}

/** Route `config` values, e.g. `config: access.system('systems:operate')`. */
export const access = {
  organization: (permission: OrganizationPermission) => ({ access: { on: 'organization', permission } as RouteAccess }),
  system: (permission: OrganizationPermission) => ({ access: { on: 'system', permission } as RouteAccess }),
  body: (permission: OrganizationPermission) => ({ access: { on: 'body', permission } as RouteAccess }),
  fleet: (permission: OrganizationPermission) => ({ access: { on: 'fleet', permission } as RouteAccess }),
  global: (permission: GlobalPermission) => ({ access: { on: 'global', permission } as RouteAccess }),
  user: () => ({ access: { on: 'user' } as RouteAccess }),
  signedIn: () => ({ access: { on: 'signed-in' } as RouteAccess }),
  public: () => ({ access: { on: 'public' } as RouteAccess }),
};

export interface AccessControlOptions {
  /** Who sent the request: throws a 401 (with its challenge) for bad or missing credentials. */
  authenticate: (request: FastifyRequest) => Promise<Principal>;
  /** The organization a system belongs to, or undefined when there is no such system. */
  organizationOfSystem: (systemId: string) => Promise<string | undefined>;
  /** Where a system created without an `organization_id` goes. */
  defaultOrganizationId: () => Promise<string>;
  /** The OpenAPI security schemes a signed-in caller may use. */
  securitySchemes: readonly string[];
}

/**
 * Access control for a scope of routes: every route must declare what it needs (`config.access`,
 * or Muster refuses to start), which the OpenAPI document shows as its security requirement;
 * credentials are checked before anything else and the permission before the request is validated. A caller
 * outside a route's organization learns nothing of it (404, as for one that does not exist); a
 * member without the permission gets a 403 naming it.
 */
export function installAccessControl(scope: FastifyInstance, options: AccessControlOptions): void {
  scope.addHook('onRoute', (route: RouteOptions) => {
    const declared = route.config?.access;
    if (!declared) throw new Error(`${String(route.method)} ${route.url} declares no access (config.access)`);
    const needs = 'permission' in declared ? [declared.permission] : declared.on === 'user' ? ['user'] : [];
    const security = declared.on === 'public' ? [] : options.securitySchemes.map((scheme) => ({ [scheme]: needs }));
    const where = describeTarget(declared);
    const denials = declared.on === 'public' ? {} : errorResponses(401, 403);
    route.schema = {
      ...route.schema,
      response: { ...denials, ...(route.schema?.response as object | undefined) },
      security,
      description: [route.schema?.description, where].filter(Boolean).join('\n\n'),
    };
  });

  scope.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.access?.on === 'public') return;
    request.principal = await options.authenticate(request);
  });

  // Before validation: a caller without the permission learns nothing of what the route would
  // accept. Path parameters and the body are not validated yet, so only their shapes are relied on.
  scope.addHook('preValidation', async (request) => {
    const declared = request.routeOptions.config.access;
    if (!declared || declared.on === 'public' || declared.on === 'signed-in') return;
    const principal = request.principal;
    if (declared.on === 'user') {
      if (principal.kind === 'user') return;
      throw new ForbiddenError('this is for users, signed in or with a personal token (not ADMIN_TOKEN nor an API key)');
    }
    // A global admin may do anything anywhere; the handler answers for what does not exist. Its
    // changes are audited under the organization they act on, so that is resolved all the same.
    if (isGlobalAdmin(principal)) {
      if (isChange(request.method)) request.organizationId = await organizationOf(request, declared.on, options);
      return;
    }
    switch (declared.on) {
      case 'global':
        throw new ForbiddenError(`this needs the global permission ${declared.permission} (global admins)`);
      case 'fleet':
        // The answer is narrowed to the organizations where the caller holds the permission; holding it nowhere is a 403.
        if (organizationScope(principal, declared.permission)!.length > 0) return;
        throw new ForbiddenError(`this needs ${declared.permission} (${roleNeeded(declared.permission)} or above) in an organization`);
      case 'organization':
        return authorizeIn(request, principal, declared.permission, await organizationOf(request, 'organization', options), 'organization');
      case 'system': {
        const organizationId = await organizationOf(request, 'system', options);
        // Kept for the audit log even when refused: the organization's admins see who tried.
        request.organizationId = organizationId;
        if (organizationId === undefined || !isMember(principal, organizationId)) throw new NotFoundError(`system ${idParam(request)} not found`);
        return authorizeIn(request, principal, declared.permission, organizationId, 'system');
      }
      case 'body':
        return authorizeIn(request, principal, declared.permission, await organizationOf(request, 'body', options), 'organization');
    }
  });
}

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a request of this method changes something: what the audit log records and CSRF protection guards. */
export function isChange(method: string): boolean {
  return CHANGES.has(method);
}

/** The organization a route acts on, from its raw parameters or body; undefined for routes without one. */
async function organizationOf(request: FastifyRequest, on: RouteAccess['on'], options: AccessControlOptions): Promise<string | undefined> {
  switch (on) {
    case 'organization':
      return idParam(request);
    case 'system': {
      const id = idParam(request);
      return id === undefined || !isUuid(id) ? undefined : options.organizationOfSystem(id);
    }
    case 'body': {
      const body = request.body as { organization_id?: unknown } | null | undefined;
      return typeof body?.organization_id === 'string' ? body.organization_id : await options.defaultOrganizationId();
    }
    default:
      return undefined;
  }
}

function idParam(request: FastifyRequest): string | undefined {
  const id = (request.params as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

function authorizeIn(
  request: FastifyRequest,
  principal: Principal,
  permission: OrganizationPermission,
  organizationId: string | undefined,
  kind: 'organization' | 'system',
): void {
  request.organizationId = organizationId;
  if (organizationId !== undefined && can(principal, permission, organizationId)) return;
  if (organizationId === undefined || !isMember(principal, organizationId)) {
    throw new NotFoundError(`organization ${organizationId} not found`);
  }
  throw new ForbiddenError(`this needs ${permission} in the ${kind === 'system' ? "system's " : ''}organization (${roleNeeded(permission)} or above)`);
}

function roleNeeded(permission: OrganizationPermission): string {
  return ORGANIZATION_PERMISSIONS[permission];
}

function describeTarget(declared: RouteAccess): string {
  switch (declared.on) {
    case 'public':
      return 'Access: public (no credentials).';
    case 'user':
      return 'Access: a user (signed in, or with a personal token), for their own things.';
    case 'signed-in':
      return 'Access: any valid credentials.';
    case 'global':
      return `Access: \`${declared.permission}\`, global admins only.`;
    case 'fleet':
      return `Access: \`${declared.permission}\`; the answer covers the organizations where the caller holds it (403 when it holds it in none).`;
    case 'organization':
    case 'body':
      return `Access: \`${declared.permission}\` (${roleNeeded(declared.permission)} or above) in the organization.`;
    case 'system':
      return `Access: \`${declared.permission}\` (${roleNeeded(declared.permission)} or above) in the system's organization.`;
  }
}
