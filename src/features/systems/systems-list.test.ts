import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { genericInventory, ns8Inventory, nsecInventory } from '../../../test/fixtures/sample-inventories.ts';

interface Listed {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

for (const kind of databaseKinds()) {
  describe(`systems list: states, filters, inventory search, bulk changes (${kind})`, () => {
    const { t } = useTestMuster(kind);

    const list = async (query: string) => {
      const response = await t.admin.get(`/api/v1/systems?page_size=500&${query.includes('sort=') ? '' : 'sort=name&'}${query}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<{ items: Listed[]; total: number }>();
    };
    const names = async (query: string) => (await list(query)).items.map((system) => system.name);

    it('tells apart never registered, waiting for a first heartbeat, active, silent, suspended and deleted', async () => {
      const organization = await t.createOrganization('states');
      const scope = `organization_id=${organization.id}`;
      const created = await t.createSystem({ name: 'state-created', organization_id: organization.id });
      const waiting = await t.createRegisteredSystem({ name: 'state-waiting', organization_id: organization.id });
      const active = await t.createRegisteredSystem({ name: 'state-active', organization_id: organization.id });
      const silent = await t.createRegisteredSystem({ name: 'state-silent', organization_id: organization.id });
      const suspended = await t.createRegisteredSystem({ name: 'state-suspended', organization_id: organization.id });
      const deleted = await t.createRegisteredSystem({ name: 'state-deleted', organization_id: organization.id });
      for (const system of [active, silent, suspended]) assert.equal((await t.heartbeat(system.basic)).statusCode, 200);
      // The silent one goes past the default 10-minute timeout; the active one reports again.
      t.clock.advance(11 * 60_000);
      assert.equal((await t.heartbeat(active.basic)).statusCode, 200);
      await t.muster.scanner.runOnce();
      assert.equal((await t.admin.post(`/api/v1/systems/${suspended.id}/suspend`)).statusCode, 200);
      assert.equal((await t.admin.delete(`/api/v1/systems/${deleted.id}`)).statusCode, 200);

      const states = Object.fromEntries((await list(`${scope}&deleted=include`)).items.map((system) => [system.name, system.state]));
      assert.deepEqual(states, {
        'state-active': 'active',
        'state-created': 'never_registered',
        'state-deleted': 'deleted',
        'state-silent': 'inactive',
        'state-suspended': 'suspended',
        'state-waiting': 'awaiting_first_heartbeat',
      });
      assert.equal((await t.admin.get(`/api/v1/systems/${created.id}`)).json().state, 'never_registered');
      assert.equal((await t.admin.get(`/api/v1/systems/${waiting.id}`)).json().state, 'awaiting_first_heartbeat');

      // Filtering by state, several at once; naming deleted shows deleted systems.
      assert.deepEqual(await names(`${scope}&state=never_registered&state=awaiting_first_heartbeat`), ['state-created', 'state-waiting']);
      assert.deepEqual(await names(`${scope}&state=deleted&state=suspended`), ['state-deleted', 'state-suspended']);
      assert.deepEqual(await names(`${scope}&state=inactive`), ['state-silent']);
      assert.equal((await t.admin.get(`/api/v1/systems?state=gone`)).statusCode, 400);

      // Sorted by status: the worst first, and alphabetical within a status both ways.
      const extra = await t.createRegisteredSystem({ name: 'state-active-2', organization_id: organization.id });
      assert.equal((await t.heartbeat(extra.basic)).statusCode, 200);
      const ascending = (await list(`${scope}&deleted=include&sort=status&order=asc`)).items.map((system) => system.name);
      assert.deepEqual(ascending, ['state-silent', 'state-waiting', 'state-created', 'state-active', 'state-active-2', 'state-suspended', 'state-deleted']);
      const descending = (await list(`${scope}&deleted=include&sort=status&order=desc`)).items.map((system) => system.name);
      assert.deepEqual(descending, ['state-deleted', 'state-suspended', 'state-active', 'state-active-2', 'state-created', 'state-waiting', 'state-silent']);
    });

    it('filters by several types, organizations and labels at once', async () => {
      const first = await t.createOrganization('filters-a');
      const second = await t.createOrganization('filters-b');
      const third = await t.createOrganization('filters-c');
      const make = (name: string, organizationId: string, type: string, labels: Record<string, string>) =>
        t.createSystem({ name, organization_id: organizationId, type, labels });
      await make('f-a-ns8-prod', first.id, 'ns8', { env: 'prod', owner: 'ann' });
      await make('f-a-nsec-test', first.id, 'nsec', { env: 'test' });
      await make('f-b-ns8-dev', second.id, 'ns8', { env: 'dev', owner: 'bob' });
      await make('f-b-linux-prod', second.id, 'linux', { env: 'prod' });
      await make('f-c-ns8-prod', third.id, 'ns8', { env: 'prod' });
      const both = `organization_id=${first.id}&organization_id=${second.id}`;

      assert.deepEqual(await names(both), ['f-a-ns8-prod', 'f-a-nsec-test', 'f-b-linux-prod', 'f-b-ns8-dev']);
      assert.deepEqual(await names(`${both}&type=ns8&type=linux`), ['f-a-ns8-prod', 'f-b-linux-prod', 'f-b-ns8-dev']);
      // One key's values are alternatives; different keys must all match; a bare key is "set to anything".
      assert.deepEqual(await names(`${both}&label=env:prod&label=env:dev`), ['f-a-ns8-prod', 'f-b-linux-prod', 'f-b-ns8-dev']);
      assert.deepEqual(await names(`${both}&label=env:prod&label=env:dev&label=owner`), ['f-a-ns8-prod', 'f-b-ns8-dev']);
      assert.deepEqual(await names(`${both}&label=owner:bob&type=ns8`), ['f-b-ns8-dev']);
      assert.deepEqual(await names(`${both}&label=env:${encodeURIComponent('prod:eu')}`), []);
      assert.equal((await t.admin.get(`/api/v1/systems?label=${encodeURIComponent('bad key:x')}`)).statusCode, 400);

      // Searching matches labels too.
      assert.deepEqual(await names(`${both}&search=bob`), ['f-b-ns8-dev']);

      // The labels in use, with their counts.
      const labels = (await t.admin.get(`/api/v1/systems/labels?${both}`)).json<{
        items: { key: string; value: string; count: number }[];
        truncated: boolean;
      }>();
      assert.deepEqual(labels.items, [
        { key: 'env', value: 'prod', count: 2 },
        { key: 'env', value: 'dev', count: 1 },
        { key: 'env', value: 'test', count: 1 },
        { key: 'owner', value: 'ann', count: 1 },
        { key: 'owner', value: 'bob', count: 1 },
      ]);
      assert.equal(labels.truncated, false);
      // An organization's key sees only its own labels, whatever it asks for.
      const key = await second.key(['systems:read']);
      const own = await t.muster.app.inject({
        method: 'GET',
        url: `/api/v1/systems/labels?organization_id=${first.id}&organization_id=${second.id}`,
        headers: { authorization: `Bearer ${key}` },
      });
      assert.deepEqual(
        own.json<{ items: { value: string }[] }>().items.map((item) => item.value),
        ['dev', 'prod', 'bob'],
      );
      const listed = await t.muster.app.inject({ method: 'GET', url: `/api/v1/systems?${both}`, headers: { authorization: `Bearer ${key}` } });
      assert.deepEqual(
        listed
          .json<{ items: Listed[] }>()
          .items.map((system) => system.name)
          .sort(),
        ['f-b-linux-prod', 'f-b-ns8-dev'],
      );
    });

    it("finds systems by their latest inventory's contents, by word and prefix, through the search index", async () => {
      const organization = await t.createOrganization('search');
      const scope = `organization_id=${organization.id}`;
      await t.createSystemWithInventory(organization.id, 'search-generic', genericInventory());
      await t.createSystemWithInventory(organization.id, 'search-ns8', ns8Inventory());
      await t.createSystemWithInventory(organization.id, 'search-nsec', nsecInventory());
      const custom = await t.createSystemWithInventory(organization.id, 'search-custom', {
        os: { name: 'Debian GNU/Linux', version: '12' },
        services: { 'nethserver-mattermost': { version: '7.1' }, "o'brien\\tool": { version: '1' } },
      });

      assert.deepEqual(await names(`${scope}&search=nextcloud`), ['search-ns8']);
      assert.deepEqual(await names(`${scope}&search=Rocky`), ['search-generic', 'search-ns8']);
      assert.deepEqual(await names(`${scope}&search=roc`), ['search-generic', 'search-ns8'], 'a word matches by prefix');
      assert.deepEqual(await names(`${scope}&search=rocky%20linux`), ['search-generic'], 'every word must match (ns8 says rocky, not linux)');
      assert.deepEqual(await names(`${scope}&search=nginx`), ['search-generic'], "an object's key (services.nginx) is searched");
      assert.deepEqual(await names(`${scope}&search=mattermost`), ['search-custom', 'search-ns8']);
      assert.deepEqual(await names(`${scope}&search=debian`), ['search-custom']);
      // Names still match by substring; odd characters are words like any other, never a syntax error.
      assert.deepEqual(await names(`${scope}&search=nse`), ['search-nsec']);
      for (const odd of ["o'brien", 'tool\\', '!&|():*', "'", '<->']) {
        const response = await t.admin.get(`/api/v1/systems?${scope}&search=${encodeURIComponent(odd)}`);
        assert.equal(response.statusCode, 200, `${odd}: ${response.body}`);
      }
      assert.deepEqual(await names(`${scope}&search=${encodeURIComponent("o'brien")}`), ['search-custom']);

      // A new inventory replaces what is searched; an identical re-send changes nothing.
      const sent = await t.muster.app.inject({
        method: 'POST',
        url: '/api/systems/inventory',
        headers: { authorization: custom.basic, 'content-type': 'application/json' },
        payload: JSON.stringify({ os: { name: 'Alpine Linux', version: '3.20' } }),
      });
      assert.equal(sent.statusCode, 202);
      await t.muster.inventory.process(custom.id);
      assert.deepEqual(await names(`${scope}&search=debian`), []);
      assert.deepEqual(await names(`${scope}&search=alpine`), ['search-custom']);
    });

    it('suspends, reactivates, labels and deletes a selection in one call, each with its outcome, audited once', async () => {
      const organization = await t.createOrganization('bulk');
      const other = await t.createOrganization('bulk-other');
      const systems = [];
      for (let index = 0; index < 4; index++) {
        systems.push(await t.createRegisteredSystem({ name: `bulk-${index}`, organization_id: organization.id, labels: { env: 'test' } }));
      }
      const ids = systems.map((system) => system.id);
      const bulk = (body: Record<string, unknown>) => t.admin.post('/api/v1/systems/bulk', body);

      assert.equal((await t.admin.post(`/api/v1/systems/${ids[0]}/suspend`)).statusCode, 200);
      assert.equal((await t.admin.delete(`/api/v1/systems/${ids[3]}`)).statusCode, 200);
      const suspended = await bulk({ action: 'suspend', system_ids: ids });
      assert.equal(suspended.statusCode, 200, suspended.body);
      assert.deepEqual(suspended.json(), {
        action: 'suspend',
        changed: 2,
        unchanged: 1,
        skipped: 1,
        items: [
          { system_id: ids[0], outcome: 'unchanged', reason: null },
          { system_id: ids[1], outcome: 'changed', reason: null },
          { system_id: ids[2], outcome: 'changed', reason: null },
          { system_id: ids[3], outcome: 'skipped', reason: 'deleted; restore it first' },
        ],
      });
      // Their credentials stop working at once.
      assert.equal((await t.heartbeat(systems[1]!.basic)).statusCode, 401);
      assert.deepEqual(await names(`organization_id=${organization.id}&state=suspended`), ['bulk-0', 'bulk-1', 'bulk-2']);

      const reactivated = await bulk({ action: 'reactivate', system_ids: ids.slice(0, 3) });
      assert.equal(reactivated.json().changed, 3);
      assert.equal((await t.heartbeat(systems[1]!.basic)).statusCode, 200);

      const labelled = await bulk({ action: 'label', system_ids: ids.slice(0, 3), labels: { set: { team: 'ops' }, remove: ['env'] } });
      assert.equal(labelled.json().changed, 3);
      for (const id of ids.slice(0, 3)) assert.deepEqual((await t.admin.get(`/api/v1/systems/${id}`)).json().labels, { team: 'ops' });
      assert.equal((await bulk({ action: 'label', system_ids: ids.slice(0, 3), labels: { set: { team: 'ops' } } })).json().unchanged, 3);
      const tooMany = Object.fromEntries(Array.from({ length: 64 }, (_, index) => [`k${index}`, 'v']));
      const overflow = await bulk({ action: 'label', system_ids: [ids[0]], labels: { set: tooMany } });
      assert.deepEqual(overflow.json().items, [{ system_id: ids[0], outcome: 'skipped', reason: 'would hold more than 64 labels' }]);

      // Bad requests change nothing: a label action without labels, a system of no one's, a duplicate, too many.
      assert.equal((await bulk({ action: 'label', system_ids: [ids[0]] })).statusCode, 400);
      assert.equal((await bulk({ action: 'explode', system_ids: [ids[0]] })).statusCode, 400);
      assert.equal((await bulk({ action: 'suspend', system_ids: [ids[0], ids[0]] })).statusCode, 400);
      assert.equal((await bulk({ action: 'suspend', system_ids: [] })).statusCode, 400);
      const unknown = '00000000-0000-4000-8000-000000000000';
      const missing = await bulk({ action: 'suspend', system_ids: [ids[0], unknown] });
      assert.equal(missing.statusCode, 404);
      assert.match(missing.json().message, new RegExp(unknown));
      assert.equal((await t.admin.get(`/api/v1/systems/${ids[0]}`)).json().suspended, false, 'nothing changed');

      // Another organization's operator may not touch these systems: they are not found for them; a viewer may not change any.
      const asUser = async (organizationId: string, role: string) => {
        const user = await t.admin.post('/api/v1/users', { email: `${role}-${Math.random().toString(36).slice(2)}@example.com`, name: role });
        assert.equal(user.statusCode, 201, user.body);
        assert.ok((await t.admin.put(`/api/v1/organizations/${organizationId}/members/${user.json().id}`, { role })).statusCode < 300);
        const { token } = await t.muster.personalTokens.create(user.json().id, { name: 'bulk' });
        return (body: unknown) =>
          t.muster.app.inject({ method: 'POST', url: '/api/v1/systems/bulk', headers: { authorization: `Bearer ${token}` }, payload: body as object });
      };
      const foreign = await (await asUser(other.id, 'operator'))({ action: 'delete', system_ids: [ids[0]] });
      assert.equal(foreign.statusCode, 404);
      assert.equal((await t.admin.get(`/api/v1/systems/${ids[0]}`)).json().deleted, false);
      const viewer = await (await asUser(organization.id, 'viewer'))({ action: 'delete', system_ids: [ids[0]] });
      assert.equal(viewer.statusCode, 403);
      const operator = await (await asUser(organization.id, 'operator'))({ action: 'label', system_ids: [ids[0]], labels: { set: { by: 'operator' } } });
      assert.equal(operator.json().changed, 1, operator.body);

      const deleted = await bulk({ action: 'delete', system_ids: ids });
      assert.deepEqual([deleted.json().changed, deleted.json().unchanged], [3, 1]);
      assert.equal((await t.heartbeat(systems[2]!.basic)).statusCode, 401);

      const audit = (await t.admin.get(`/api/v1/audit?action=systems.bulk&page_size=100`)).json<{
        items: { outcome: string; details: Record<string, unknown> }[];
      }>();
      const mine = audit.items.filter((entry) => typeof entry.details.system_ids === 'string' && entry.details.system_ids.includes(ids[1]!));
      assert.ok(mine.some((entry) => entry.outcome === 'success' && entry.details.action === 'delete' && entry.details.count === 4));
      assert.ok(mine.some((entry) => entry.details.action === 'suspend'));
    });
  });
}
