import { ApiError } from './api.ts';
import { ORGANIZATION_PERMISSIONS, type OrganizationPermission } from '../../src/domain/access.ts';

const PERMISSION_WORDS: Record<OrganizationPermission, string> = {
  'systems:read': 'see systems',
  'organizations:read': 'see the organization and its members',
  'systems:operate': 'act on systems (create, suspend, regenerate, delete, restore)',
  'backups:download': 'download backups',
  'organizations:manage': "change the organization's settings",
  'webhooks:manage': 'manage webhooks',
  'api-keys:manage': 'manage API keys',
  'audit:read': 'read the audit log',
  'members:manage': 'manage members and their roles',
};

function isOrganizationPermission(name: string): name is OrganizationPermission {
  return name in ORGANIZATION_PERMISSIONS;
}

/** Muster could not be reached: fetch failed (network down, server stopped) or a proxy or draining server answered 502–504. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ApiError) return error.status === 502 || error.status === 503 || error.status === 504;
  // fetch rejects with a TypeError only when no answer came at all.
  return error instanceof TypeError;
}

/** An error in words an operator can act on; a 403 says which permission and role it takes. */
export function explainError(error: unknown): string {
  if (isConnectionError(error)) return 'Muster could not be reached (the connection was lost). Try again once it is back.';
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  if (error.status === 403) {
    if (/CSRF/.test(error.message))
      return 'Muster refused this change because the page could not prove it came from this dashboard. Reload the page and try again.';
    const permission = /needs (?:the global permission )?([a-z-]+:[a-z-]+)/.exec(error.message)?.[1];
    if (permission && isOrganizationPermission(permission)) {
      const role = ORGANIZATION_PERMISSIONS[permission];
      return `You are not allowed to do this: it takes the permission to ${PERMISSION_WORDS[permission]} (${permission}), which the ${role} role${role === 'owner' ? '' : ' and above'} hold in the organization. Ask an owner of the organization for that role.`;
    }
    if (permission) return `You are not allowed to do this: it takes the global permission ${permission}, which only global admins hold.`;
    return `You are not allowed to do this: ${error.message}.`;
  }
  if (error.status === 429)
    return `Too many attempts. Try again${error.retryAfter ? ` in ${Math.ceil(error.retryAfter / 60)} minute${error.retryAfter > 60 ? 's' : ''}` : ' later'}.`;
  return error.message;
}

/** The fields a refused request named (`data.errors`: `[{field, message}]`, from validation or a service), or none. */
export function fieldErrors(error: unknown): { field: string; message: string }[] {
  if (!(error instanceof ApiError) || error.status !== 400) return [];
  const errors = (error.data as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.filter(
    (item): item is { field: string; message: string } =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as { field?: unknown }).field === 'string' &&
      typeof (item as { message?: unknown }).message === 'string',
  );
}
