import type { MusterProcess } from './processes.ts';

/** A management API call with the bootstrap admin token; throws on an answer of 300 or more. */
export async function admin(muster: MusterProcess, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${muster.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${muster.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The default organization's id and a new API key of it with `scopes`. */
export async function defaultOrganizationKey(muster: MusterProcess, name: string, scopes: string[]): Promise<{ organization: string; key: string }> {
  const organizations = (await admin(muster, 'GET', '/api/v1/organizations')) as { items: { id: string; is_default: boolean }[] };
  const organization = organizations.items.find((item) => item.is_default)!.id;
  const { key } = (await admin(muster, 'POST', `/api/v1/organizations/${organization}/api-keys`, { name, scopes })) as { key: string };
  return { organization, key };
}
