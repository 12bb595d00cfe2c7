/**
 * Who may do what: the roles a user holds per organization, the permissions routes declare,
 * and the role matrix between them (README, "Roles and permissions"). One source, read by the
 * HTTP access control, the accounts feature and the dashboard.
 */

/** Roles in an organization, from the most to the least powerful; each may do all the next one may. */
export const ROLES = ['owner', 'admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route needs. Organization permissions are held through a role in the organization the
 * route acts on; global ones only by global admins (a user's flag, or the bootstrap ADMIN_TOKEN).
 */
export const ORGANIZATION_PERMISSIONS = {
  /** Systems, their inventories, changes, alerts, liveness, health, backups' list; summaries. */
  'systems:read': 'viewer',
  /** The organization itself and its members. */
  'organizations:read': 'viewer',
  /** Create, change, suspend, reactivate, regenerate, delete, restore and destroy systems; delete backups. */
  'systems:operate': 'operator',
  /** Download a backup (it may hold the appliance's secrets). */
  'backups:download': 'operator',
  /** The organization's settings (thresholds, name). */
  'organizations:manage': 'admin',
  /** Webhooks, which hold delivery URLs and secrets. */
  'webhooks:manage': 'admin',
  /** Organization API keys for machines. */
  'api-keys:manage': 'admin',
  /** The organization's audit log. */
  'audit:read': 'admin',
  /** Members and their roles, invitations. */
  'members:manage': 'owner',
} as const satisfies Record<string, Role>;
export type OrganizationPermission = keyof typeof ORGANIZATION_PERMISSIONS;

export const GLOBAL_PERMISSIONS = {
  'organizations:create': 'Create organizations',
  'users:manage': 'Create, change and delete any user',
  'jobs:manage': 'Durable jobs and their dead letters',
} as const;
export type GlobalPermission = keyof typeof GLOBAL_PERMISSIONS;

export type Permission = OrganizationPermission | GlobalPermission;

export function isGlobalPermission(permission: Permission): permission is GlobalPermission {
  return permission in GLOBAL_PERMISSIONS;
}

/** Whether `role` includes `permission` (an organization permission). */
export function roleGrants(role: Role, permission: OrganizationPermission): boolean {
  return ROLES.indexOf(role) <= ROLES.indexOf(ORGANIZATION_PERMISSIONS[permission]);
}

/** API key scopes: what a machine key may do. `systems:read` also opens the management API's reads. */
export const API_KEY_SCOPES = [
  'heartbeat-daemon',
  'monitoring:write',
  'monitoring:read',
  'host-inventory:read',
  'host-inventory:write',
  'systems:read',
] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Who is asking, once authenticated. */
export type Principal =
  /** `ADMIN_TOKEN`: the bootstrap global admin. */
  | { kind: 'bootstrap' }
  | {
      kind: 'user';
      userId: string;
      email: string;
      globalAdmin: boolean;
      /** Organization id → the user's role there. */
      roles: ReadonlyMap<string, Role>;
      /** What the user signed in with. */
      credential: { kind: 'session' | 'token'; id: string };
    }
  | { kind: 'api-key'; keyId: string; organizationId: string; scopes: readonly ApiKeyScope[] };

export function isGlobalAdmin(principal: Principal): boolean {
  return principal.kind === 'bootstrap' || (principal.kind === 'user' && principal.globalAdmin);
}

/** Whether `principal` holds `permission` in `organizationId` (or globally, for a global permission). */
export function can(principal: Principal, permission: Permission, organizationId?: string): boolean {
  if (isGlobalAdmin(principal)) return true;
  if (isGlobalPermission(permission) || organizationId === undefined) return false;
  if (principal.kind === 'api-key') {
    return principal.organizationId === organizationId && permission === 'systems:read' && principal.scopes.includes('systems:read');
  }
  if (principal.kind !== 'user') return false;
  const role = principal.roles.get(organizationId);
  return role !== undefined && roleGrants(role, permission);
}

/** Whether `principal` belongs to `organizationId` at all (so that a denial there is a 403, not a 404). */
export function isMember(principal: Principal, organizationId: string): boolean {
  if (isGlobalAdmin(principal)) return true;
  if (principal.kind === 'api-key') return principal.organizationId === organizationId;
  return principal.kind === 'user' && principal.roles.has(organizationId);
}

/**
 * The organizations a list is limited to for `principal`: `undefined` for no limit (a global
 * admin asking for all), else the ids where it holds `permission`, narrowed to `requested` when
 * one is asked for (an organization it may not read gives an empty list).
 */
export function organizationScope(
  principal: Principal,
  permission: OrganizationPermission,
  requested?: string | readonly string[],
): readonly string[] | undefined {
  const asked = requested === undefined ? undefined : [requested].flat();
  if (isGlobalAdmin(principal)) return asked;
  const held = heldIn(principal, permission);
  return asked === undefined ? held : held.filter((id) => asked.includes(id));
}

function heldIn(principal: Principal, permission: OrganizationPermission): string[] {
  if (principal.kind === 'api-key') return can(principal, permission, principal.organizationId) ? [principal.organizationId] : [];
  if (principal.kind !== 'user') return [];
  return [...principal.roles].flatMap(([organizationId, role]) => (roleGrants(role, permission) ? [organizationId] : []));
}

/** A short, secret-free name of the principal for logs and the audit log. */
export function describePrincipal(principal: Principal): { type: 'bootstrap' | 'user' | 'token' | 'api-key'; id: string | null } {
  switch (principal.kind) {
    case 'bootstrap':
      return { type: 'bootstrap', id: null };
    case 'user':
      return principal.credential.kind === 'token' ? { type: 'token', id: principal.credential.id } : { type: 'user', id: principal.userId };
    case 'api-key':
      return { type: 'api-key', id: principal.keyId };
  }
}
