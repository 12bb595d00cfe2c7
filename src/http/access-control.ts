import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import {
  can,
  isGlobalAdmin,
  isMember,
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
 * - `fleet`: the caller's organizations; the handler narrows its answer with `organizationScope`;
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    // A global admin may do anything anywhere; the handler answers for what does not exist.
    if (isGlobalAdmin(principal)) return;
    switch (declared.on) {
      case 'global':
        throw new ForbiddenError(`this needs the global permission ${declared.permission} (global admins)`);
      case 'fleet':
        if (principal.kind === 'user' || can(principal, declared.permission, principal.kind === 'api-key' ? principal.organizationId : undefined)) return;
        throw new ForbiddenError(`this needs ${declared.permission}`);
      case 'organization':
        return authorizeIn(principal, declared.permission, idParam(request), 'organization');
      case 'system': {
        const id = idParam(request);
        const organizationId = id === undefined || !UUID.test(id) ? undefined : await options.organizationOfSystem(id);
        if (organizationId === undefined || !isMember(principal, organizationId)) throw new NotFoundError(`system ${id} not found`);
        return authorizeIn(principal, declared.permission, organizationId, 'system');
      }
      case 'body': {
        const body = request.body as { organization_id?: unknown } | null | undefined;
        const requested = typeof body?.organization_id === 'string' ? body.organization_id : undefined;
        return authorizeIn(principal, declared.permission, requested ?? (await options.defaultOrganizationId()), 'organization');
      }
    }
  });
}

function idParam(request: FastifyRequest): string | undefined {
  const id = (request.params as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

function authorizeIn(principal: Principal, permission: OrganizationPermission, organizationId: string | undefined, kind: 'organization' | 'system'): void {
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
      return `Access: \`${declared.permission}\`; the answer covers the organizations where the caller holds it.`;
    case 'organization':
    case 'body':
      return `Access: \`${declared.permission}\` (${roleNeeded(declared.permission)} or above) in the organization.`;
    case 'system':
      return `Access: \`${declared.permission}\` (${roleNeeded(declared.permission)} or above) in the system's organization.`;
  }
}
