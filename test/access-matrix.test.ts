import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { ORGANIZATION_PERMISSIONS, type Role } from '../src/domain/access.ts';
import { databaseKinds } from './helpers/test-databases.ts';
import { adminHeaders, useTestMuster } from './helpers/test-muster.ts';

/**
 * The role matrix as the README states it: the least role holding each organization permission.
 * Kept apart from src/domain/access.ts so that a change there must be made here (and in the README) too.
 */
const LEAST_ROLE: Record<string, Role> = {
  'systems:read': 'viewer',
  'organizations:read': 'viewer',
  'systems:operate': 'operator',
  'backups:download': 'operator',
  'organizations:manage': 'admin',
  'webhooks:manage': 'admin',
  'api-keys:manage': 'admin',
  'audit:read': 'admin',
  'members:manage': 'owner',
};
const GLOBAL = new Set(['organizations:create', 'users:manage', 'jobs:manage']);

/** What every management route needs: a route missing here fails the test, so each new one is placed in the matrix. */
const ROUTES: Record<string, string> = {
  'POST /api/v1/organizations': 'organizations:create',
  'GET /api/v1/organizations': 'organizations:read',
  'GET /api/v1/organizations/{id}': 'organizations:read',
  'PATCH /api/v1/organizations/{id}': 'organizations:manage',
  'GET /api/v1/organizations/{id}/heartbeat-daemon/params': 'organizations:read',
  'PATCH /api/v1/organizations/{id}/heartbeat-daemon/params': 'organizations:manage',
  'GET /api/v1/organizations/{id}/monitoring/settings': 'organizations:read',
  'PATCH /api/v1/organizations/{id}/monitoring/settings': 'organizations:manage',
  'POST /api/v1/users': 'users:manage',
  'GET /api/v1/users': 'users:manage',
  'GET /api/v1/users/{id}': 'users:manage',
  'PATCH /api/v1/users/{id}': 'users:manage',
  'DELETE /api/v1/users/{id}': 'users:manage',
  'POST /api/v1/invitations/accept': 'public',
  'POST /api/v1/session': 'public',
  'GET /api/v1/session': 'signed-in',
  'DELETE /api/v1/session': 'user',
  'GET /api/v1/sessions': 'user',
  'DELETE /api/v1/sessions/{id}': 'user',
  'GET /api/v1/session/oidc': 'public',
  'GET /api/v1/session/oidc/start': 'public',
  'GET /api/v1/session/oidc/callback': 'public',
  'GET /api/v1/organizations/{id}/members': 'organizations:read',
  'PUT /api/v1/organizations/{id}/members/{userId}': 'members:manage',
  'DELETE /api/v1/organizations/{id}/members/{userId}': 'members:manage',
  'POST /api/v1/organizations/{id}/invitations': 'members:manage',
  'POST /api/v1/tokens': 'user',
  'GET /api/v1/tokens': 'user',
  'DELETE /api/v1/tokens/{id}': 'user',
  'POST /api/v1/organizations/{id}/api-keys': 'api-keys:manage',
  'GET /api/v1/organizations/{id}/api-keys': 'api-keys:manage',
  'DELETE /api/v1/organizations/{id}/api-keys/{keyId}': 'api-keys:manage',
  'POST /api/v1/systems': 'systems:operate',
  'GET /api/v1/systems': 'systems:read',
  'GET /api/v1/systems/export': 'systems:read',
  'GET /api/v1/systems/labels': 'systems:read',
  'POST /api/v1/systems/bulk': 'systems:operate',
  'GET /api/v1/systems/{id}': 'systems:read',
  'PATCH /api/v1/systems/{id}': 'systems:operate',
  'DELETE /api/v1/systems/{id}': 'systems:operate',
  'POST /api/v1/systems/{id}/regenerate-secret': 'systems:operate',
  'POST /api/v1/systems/{id}/suspend': 'systems:operate',
  'POST /api/v1/systems/{id}/reactivate': 'systems:operate',
  'POST /api/v1/systems/{id}/restore': 'systems:operate',
  'POST /api/v1/systems/{id}/destroy': 'systems:operate',
  'GET /api/v1/systems/{id}/events': 'systems:read',
  'GET /api/v1/alerts': 'systems:read',
  'GET /api/v1/systems/{id}/alerts': 'systems:read',
  'POST /api/v1/systems/{id}/alerts/{alertId}/acknowledge': 'systems:operate',
  'DELETE /api/v1/systems/{id}/alerts/{alertId}/acknowledgement': 'systems:operate',
  'POST /api/v1/systems/{id}/alerts/{alertId}/silence': 'systems:operate',
  'DELETE /api/v1/systems/{id}/alerts/{alertId}/silence': 'systems:operate',
  'GET /api/v1/systems/{id}/metrics': 'systems:read',
  'GET /api/v1/metrics/top': 'systems:read',
  'POST /api/v1/organizations/{id}/webhooks': 'webhooks:manage',
  'GET /api/v1/organizations/{id}/webhooks': 'webhooks:manage',
  'DELETE /api/v1/organizations/{id}/webhooks/{webhookId}': 'webhooks:manage',
  'POST /api/v1/organizations/{id}/webhooks/{webhookId}/test': 'webhooks:manage',
  'GET /api/v1/systems/{id}/backups': 'systems:read',
  'GET /api/v1/systems/{id}/backups/{backupId}': 'backups:download',
  'DELETE /api/v1/systems/{id}/backups/{backupId}': 'systems:operate',
  'GET /api/v1/backups/usage': 'systems:read',
  'GET /api/v1/systems/{id}/inventory/latest': 'systems:read',
  'GET /api/v1/systems/{id}/inventory/set-aside': 'systems:read',
  'GET /api/v1/systems/{id}/inventory': 'systems:read',
  'GET /api/v1/systems/{id}/inventory/diffs': 'systems:read',
  'GET /api/v1/systems/{id}/inventory/timeline': 'systems:read',
  'GET /api/v1/systems/{id}/inventory/{recordId}': 'systems:read',
  'GET /api/v1/changes': 'systems:read',
  'GET /api/v1/summary': 'systems:read',
  'GET /api/v1/attention': 'systems:read',
  'GET /api/v1/systems/{id}/availability': 'systems:read',
  'GET /api/v1/systems/{id}/health': 'systems:read',
  'GET /api/v1/health-scores': 'systems:read',
  'GET /api/v1/jobs': 'jobs:manage',
  'GET /api/v1/jobs/{queue}/dead': 'jobs:manage',
  'POST /api/v1/jobs/{queue}/dead/{id}/retry': 'jobs:manage',
  'GET /api/v1/audit': 'audit:read',
};

type CallerName = 'anonymous' | 'bootstrap' | 'global admin' | Role | 'outsider' | 'reading key' | 'other key';
const CALLERS: CallerName[] = ['anonymous', 'bootstrap', 'global admin', 'owner', 'admin', 'operator', 'viewer', 'outsider', 'reading key', 'other key'];
const ROLE_ORDER: Role[] = ['owner', 'admin', 'operator', 'viewer'];
const holds = (role: Role, permission: string) => ROLE_ORDER.indexOf(role) <= ROLE_ORDER.indexOf(LEAST_ROLE[permission]!);

interface Operation {
  method: string;
  path: string;
  permission: string;
  /** Where the route's organization comes from, by its path. */
  target: 'organization' | 'system' | 'none';
}

/** 'allowed' (neither 401 nor 403, nor the denial's 404), or the status a denial answers. */
function expected(caller: CallerName, operation: Operation): 'allowed' | 401 | 403 | 404 {
  const { permission, target } = operation;
  if (caller === 'anonymous') return 401;
  const isKey = caller === 'reading key' || caller === 'other key';
  if (permission === 'signed-in') return 'allowed';
  if (permission === 'user') return isKey || caller === 'bootstrap' ? 403 : 'allowed';
  if (caller === 'bootstrap' || caller === 'global admin') return 'allowed';
  if (GLOBAL.has(permission)) return 403;
  if (target === 'none') {
    // A list across the caller's organizations: a user holding the permission in one of them may ask (the answer is
    // narrowed; the outsider owns B), else 403; a key needs the permission.
    if (!isKey) return caller === 'outsider' || holds(caller, permission) ? 'allowed' : 403;
    return caller === 'reading key' && permission === 'systems:read' ? 'allowed' : 403;
  }
  if (caller === 'outsider') return 404;
  if (isKey) return caller === 'reading key' && permission === 'systems:read' ? 'allowed' : 403;
  return holds(caller, permission) ? 'allowed' : 403;
}

for (const kind of databaseKinds()) {
  describe(`access control: every management route against every kind of caller (${kind})`, () => {
    const { t } = useTestMuster(kind);
    const headers = new Map<CallerName, Record<string, string>>();
    let organizationA: string;
    let organizationB: string;
    let operations: Operation[];

    async function created(url: string, payload: Record<string, unknown>) {
      const response = await t.muster.app.inject({ method: 'POST', url, headers: adminHeaders, payload });
      assert.equal(response.statusCode, 201, `${url}: ${response.body}`);
      return response.json<Record<string, unknown> & { id: string }>();
    }

    async function userWithToken(name: string, options: { organizationId?: string; role?: Role; globalAdmin?: boolean }) {
      const user = await created('/api/v1/users', {
        email: `${name.replace(/\s/g, '-')}-${kind}@example.com`,
        name,
        global_admin: options.globalAdmin ?? false,
      });
      if (options.organizationId && options.role) {
        const member = await t.admin.put(`/api/v1/organizations/${options.organizationId}/members/${user.id}`, { role: options.role });
        assert.ok(member.statusCode < 300, member.body);
      }
      const { token } = await t.muster.personalTokens.create(user.id, { name: 'matrix' });
      return { authorization: `Bearer ${token}` };
    }

    before(async () => {
      organizationA = (await created('/api/v1/organizations', { name: `A-${kind}` })).id;
      organizationB = (await created('/api/v1/organizations', { name: `B-${kind}` })).id;
      headers.set('anonymous', {});
      headers.set('bootstrap', adminHeaders);
      headers.set('global admin', await userWithToken('global admin', { globalAdmin: true }));
      for (const role of ROLE_ORDER) headers.set(role, await userWithToken(role, { organizationId: organizationA, role }));
      headers.set('outsider', await userWithToken('outsider', { organizationId: organizationB, role: 'owner' }));
      const readingKey = await created(`/api/v1/organizations/${organizationA}/api-keys`, { name: 'reads', scopes: ['systems:read'] });
      headers.set('reading key', { authorization: `Bearer ${readingKey.key as string}` });
      const otherKey = await created(`/api/v1/organizations/${organizationA}/api-keys`, { name: 'daemon', scopes: ['heartbeat-daemon', 'monitoring:write'] });
      headers.set('other key', { authorization: `Bearer ${otherKey.key as string}` });

      const document = (await t.muster.app.inject({ method: 'GET', url: '/docs/json' })).json<{
        paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
      }>();
      operations = Object.entries(document.paths)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, methods]) =>
          Object.entries(methods).map(([method, operation]) => {
            const security = operation.security ?? [];
            const needs = security.flatMap((requirement) => Object.values(requirement).flat());
            return {
              method: method.toUpperCase(),
              path,
              permission: security.length === 0 ? 'public' : (needs[0] ?? 'signed-in'),
              // POST /systems names its organization in the body.
              target:
                path.startsWith('/api/v1/organizations/{id}') || (method === 'post' && path === '/api/v1/systems')
                  ? 'organization'
                  : path.startsWith('/api/v1/systems/{id}')
                    ? 'system'
                    : 'none',
            } satisfies Operation;
          }),
        );
    });

    it('every route declares a permission, the one the role matrix gives it, in every security scheme', () => {
      const declared = Object.fromEntries(operations.map((operation) => [`${operation.method} ${operation.path}`, operation.permission]));
      assert.deepEqual(declared, ROUTES);
      assert.deepEqual(
        Object.fromEntries(
          Object.keys(ORGANIZATION_PERMISSIONS).map((permission) => [
            permission,
            ORGANIZATION_PERMISSIONS[permission as keyof typeof ORGANIZATION_PERMISSIONS],
          ]),
        ),
        LEAST_ROLE,
        'README role matrix and src/domain/access.ts agree',
      );
    });

    it('answers each caller as the declared permission says: 401 without credentials, 404 outside the organization, 403 without the role', async () => {
      const failures: string[] = [];
      let checked = 0;
      for (const operation of operations) {
        if (operation.permission === 'public') continue;
        for (const caller of CALLERS) {
          // A system of its own for each call, so that what one call changes (a deletion) decides nothing for the next.
          const systemId = operation.target === 'system' ? (await t.createSystem({ organization_id: organizationA })).id : undefined;
          const url = operation.path
            .replace('{id}', operation.target === 'organization' ? organizationA : (systemId ?? randomUUID()))
            .replace(/\{(userId|keyId|webhookId|backupId|recordId)\}/, randomUUID())
            .replace('{queue}', 'inventory');
          const payload = operation.method === 'POST' && operation.path === '/api/v1/systems' ? { name: 'matrix', organization_id: organizationA } : undefined;
          const response = await t.muster.app.inject({
            method: operation.method as 'GET',
            url,
            headers: headers.get(caller)!,
            ...(payload ? { payload } : operation.method === 'GET' || operation.method === 'DELETE' ? {} : { payload: {} }),
          });
          checked++;
          const want = expected(caller, operation);
          const status = response.statusCode;
          const deniedByScope = status === 404 && /^(organization|system) [0-9a-f-]{36} not found$/.test(response.json<{ message: string }>().message);
          // A denial outside the organization must be access control's own 404, not a handler's for a sub-resource.
          const ok = want === 'allowed' ? status !== 401 && status !== 403 && !deniedByScope && status < 500 : want === 404 ? deniedByScope : status === want;
          if (!ok) failures.push(`${caller} ${operation.method} ${operation.path}: wanted ${want}, got ${status} ${response.body.slice(0, 160)}`);
          if (want === 401) assert.match(String(response.headers['www-authenticate']), /^Bearer realm="Muster"/);
        }
      }
      assert.deepEqual(failures, []);
      assert.ok(checked > 400, `${checked} calls`);
    });

    it("narrows every list to the caller's organizations", async () => {
      const systemA = await t.createSystem({ organization_id: organizationA });
      const systemB = await t.createSystem({ organization_id: organizationB });
      const idsFor = async (caller: CallerName, url: string) => {
        const response = await t.muster.app.inject({ method: 'GET', url, headers: headers.get(caller)! });
        assert.equal(response.statusCode, 200, `${caller} ${url}: ${response.body}`);
        return response.json<{ items: { id: string }[] }>().items.map((item) => item.id);
      };
      const viewerSystems = await idsFor('viewer', '/api/v1/systems?page_size=500');
      assert.ok(viewerSystems.includes(systemA.id) && !viewerSystems.includes(systemB.id));
      const outsiderSystems = await idsFor('outsider', '/api/v1/systems?page_size=500');
      assert.ok(outsiderSystems.includes(systemB.id) && !outsiderSystems.includes(systemA.id));
      assert.deepEqual(await idsFor('outsider', `/api/v1/systems?organization_id=${organizationA}`), [], 'asking for another organization gives nothing');
      const keyOrganizations = await t.muster.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: headers.get('reading key')! });
      assert.equal(keyOrganizations.statusCode, 403, 'a key reads systems, not organizations');
      assert.deepEqual(await idsFor('reading key', '/api/v1/systems?page_size=500'), viewerSystems);
      assert.deepEqual(await idsFor('viewer', '/api/v1/organizations'), [organizationA]);
      const everything = await idsFor('global admin', '/api/v1/systems?page_size=500');
      assert.ok(everything.includes(systemA.id) && everything.includes(systemB.id));

      const csv = await t.muster.app.inject({ method: 'GET', url: '/api/v1/systems/export', headers: headers.get('outsider')! });
      assert.ok(csv.body.includes(systemB.id) && !csv.body.includes(systemA.id));
      const summary = await t.muster.app.inject({ method: 'GET', url: '/api/v1/summary', headers: headers.get('outsider')! });
      assert.equal(summary.json<{ total: number }>().total, outsiderSystems.length);
      const scores = await t.muster.app.inject({
        method: 'GET',
        url: `/api/v1/health-scores?system_id=${systemA.id}&system_id=${systemB.id}`,
        headers: headers.get('outsider')!,
      });
      assert.deepEqual(
        scores.json<{ items: { system_id: string }[] }>().items.map((item) => item.system_id),
        [systemB.id],
      );
    });
  });
}
