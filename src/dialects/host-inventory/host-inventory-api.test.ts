import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SEED_REPORT } from '../../../test/fixtures/monitoring-reports.ts';
import { genericInventory, ns8Inventory, nsecInventory } from '../../../test/fixtures/sample-inventories.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { ManualClock } from '../../clock/clock.ts';
import { identityHeader } from './identity.ts';

const START = '2026-05-01T08:00:00.000Z';
const HOUR = 3_600_000;

type Host = Record<string, unknown> & { id: string; display_name: string };
type List = { total: number; count: number; page: number; per_page: number; results: Host[] };

for (const kind of databaseKinds()) {
  describe(`host inventory /api/inventory/v1 (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { clock: () => new ManualClock(START) });

    async function organization() {
      const { id, key } = await t.createOrganization('hbi');
      return { id, read: await key(['host-inventory:read']), key };
    }

    const get = (url: string, key?: string) =>
      t.muster.app.inject({ method: 'GET', url: `/api/inventory/v1${url}`, headers: key === undefined ? {} : { authorization: `Bearer ${key}` } });
    const list = async (query: string, key: string) => {
      const response = await get(`/hosts${query}`, key);
      assert.equal(response.statusCode, 200, response.body);
      return response.json<List>();
    };
    const names = (answer: List) => answer.results.map((host) => host.display_name);

    /** An appliance of the organization with an inventory, processed. */
    const appliance = (organizationId: string, name: string, inventory: unknown) => t.createSystemWithInventory(organizationId, name, inventory);

    /** Three appliances (generic, NethServer 8, NethSecurity) of a new organization. */
    async function fleet() {
      const org = await organization();
      const generic = await appliance(org.id, 'web-01', genericInventory());
      t.clock.advance(60_000);
      const ns8 = await appliance(org.id, 'cluster-a', ns8Inventory());
      t.clock.advance(60_000);
      const nsec = await appliance(org.id, 'fw-branch', nsecInventory());
      return { org, generic, ns8, nsec };
    }

    it('lists every host with its canonical facts, staleness and the list envelope; a key is required', async () => {
      const { org, generic } = await fleet();
      const answer = await list('', org.read);
      assert.equal(answer.total, 3);
      assert.equal(answer.count, 3);
      assert.equal(answer.page, 1);
      assert.equal(answer.per_page, 50);
      const host = answer.results.find((entry) => entry.id === generic.id)!;
      assert.equal(host.display_name, 'web-01');
      assert.equal(host.org_id, org.id);
      assert.equal(host.fqdn, 'server.example.com');
      assert.deepEqual(host.ip_addresses, ['192.168.1.100', '2001:db8::1', '10.0.0.10']);
      assert.deepEqual(host.mac_addresses, ['00:1a:2b:3c:4d:5e', '00:1a:2b:3c:4d:5f']);
      assert.equal(host.insights_id, '00000000-0000-0000-0000-000000000000');
      assert.equal(host.subscription_manager_id, null);
      assert.equal(host.reporter, 'appliance');
      assert.equal(host.staleness, 'fresh');
      assert.equal(host.stale_timestamp, new Date(Date.parse(host.last_check_in as string) + 104_400_000).toISOString().replace('Z', '+00:00'));
      assert.deepEqual(Object.keys(host.per_reporter_staleness as object), ['appliance']);
      assert.equal('system_profile' in host, false, 'the profile only when asked for');

      for (const key of [undefined, 'wrong-key']) {
        const refused = await get('/hosts', key);
        assert.equal(refused.statusCode, 401);
        assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
        assert.deepEqual(refused.json(), { status: 401, title: 'Unauthorized', detail: 'Invalid token', type: 'about:blank' });
      }
      const other = await organization();
      assert.equal((await list('', other.read)).total, 0, "another organization's hosts are never listed");
    });

    it('filters by name, fqdn, hostname_or_id and system profile fields, with sparse profile fields', async () => {
      const { org, generic, ns8, nsec } = await fleet();
      assert.deepEqual(names(await list('?display_name=CLUSTER', org.read)), ['cluster-a']);
      assert.deepEqual(names(await list('?fqdn=FW.example.org', org.read)), ['fw-branch']);
      assert.deepEqual(names(await list('?hostname_or_id=server.example', org.read)), ['web-01']);
      assert.deepEqual(names(await list(`?hostname_or_id=${nsec.id}`, org.read)), ['fw-branch']);
      assert.equal((await list('?system_type=conventional', org.read)).total, 3, 'every Muster host is conventional');
      assert.equal((await list('?system_type[]=edge&system_type[]=bootc', org.read)).total, 0);
      assert.deepEqual(names(await list('?registered_with=appliance&display_name=web', org.read)), ['web-01']);
      assert.equal((await list('?registered_with=monitoring', org.read)).total, 0);
      const cluster = (await list('?display_name=cluster-a', org.read)).results[0]!;
      const since = (field: string, value: unknown) => list(`?order_by=display_name&${field}=${encodeURIComponent(String(value))}`, org.read).then(names);
      assert.deepEqual(await since('last_check_in_start', cluster.last_check_in), ['cluster-a', 'fw-branch']);
      assert.deepEqual(await since('last_check_in_end', cluster.last_check_in), ['cluster-a', 'web-01']);
      assert.deepEqual(await since('updated_start', cluster.updated), ['cluster-a', 'fw-branch']);
      assert.deepEqual(await since('updated_end', String(cluster.updated).replace('+00:00', '')), ['cluster-a', 'web-01'], 'a time without a zone is UTC');

      // Each total is counted apart from its page (from the profiles' columns when a filter needs a profile).
      const sp = async (filter: string) => {
        const answer = await list(`?order_by=display_name&${filter}`, org.read);
        assert.equal(answer.total, answer.results.length, `${filter}: the total counts the hosts listed`);
        return names(answer);
      };
      assert.deepEqual(await sp('filter[system_profile][arch]=x86_64'), ['cluster-a', 'fw-branch', 'web-01']);
      assert.deepEqual(await sp('filter[system_profile][number_of_cpus][gte]=8'), ['web-01']);
      assert.deepEqual(await sp('filter[system_profile][number_of_cpus][lt]=8'), ['cluster-a', 'fw-branch']);
      assert.deepEqual(await sp('filter[system_profile][infrastructure_type]=virtual,physical'), ['cluster-a', 'fw-branch']);
      assert.deepEqual(await sp('filter[system_profile][installed_services]=nginx'), ['web-01']);
      assert.deepEqual(await sp('filter[system_profile][operating_system][name]=NethSecurity'), ['fw-branch']);
      assert.deepEqual(await sp('filter[system_profile][operating_system][major][gte]=9'), ['cluster-a', 'web-01']);
      assert.deepEqual(await sp('filter[system_profile][infrastructure_vendor][nil]=true'), ['fw-branch', 'web-01']);
      assert.deepEqual(await sp('filter[system_profile][infrastructure_vendor][not_nil]=true'), ['cluster-a']);
      assert.deepEqual(await sp('filter[system_profile][arch]=x86_64&filter[system_profile][number_of_cpus]=4'), ['cluster-a', 'fw-branch']);
      assert.deepEqual(await sp('filter[system_profile][number_of_cpus][gt]=4&filter[system_profile][number_of_cpus][lte]=16'), ['web-01']);
      assert.deepEqual(await sp('filter[system_profile][arch][lt]=y&filter[system_profile][operating_system][minor][gte]=0'), [
        'cluster-a',
        'fw-branch',
        'web-01',
      ]);
      assert.deepEqual(await sp('filter[system_profile][system_memory_bytes][gt]=0&fqdn=fw.example.org'), ['fw-branch']);

      const sparse = await list('?order_by=display_name&fields[system_profile]=arch,number_of_cpus,host_type', org.read);
      assert.deepEqual(
        sparse.results.map((host) => host.system_profile),
        [
          { arch: 'x86_64', number_of_cpus: 4 },
          { arch: 'x86_64', number_of_cpus: 4 },
          { arch: 'x86_64', number_of_cpus: 16 },
        ],
      );
      const profiles = await get(`/hosts/${generic.id},${ns8.id}/system_profile`, org.read);
      assert.equal(profiles.statusCode, 200, profiles.body);
      const byId = new Map(
        profiles.json<{ results: { id: string; system_profile: Record<string, unknown> }[] }>().results.map((r) => [r.id, r.system_profile]),
      );
      assert.equal(byId.get(generic.id)!.cpu_model, 'Intel Xeon Gold 6248R');
      assert.deepEqual(byId.get(ns8.id)!.installed_products, [{ name: 'NethServer 3.8.1', id: 'nethserver', status: 'installed' }]);

      for (const [query, detail] of [
        ['filter[system_profile][no_such_field]=1', /not a system_profile field/],
        ['filter[system_profile][number_of_cpus][gt]=many', /not a number/],
        ['filter[system_profile][installed_services][gt]=a', /Invalid operation/],
        ['fields[system_profile]=arch,bogus', /'bogus' is not present/],
        ['per_page=101', /per_page/],
        ['page=0', /page/],
        ['order_by=size', /order_by/],
        ['order_how=sideways', /order_how/],
        ['staleness=ancient', /staleness/],
        ['insights_id=nope', /uuid/],
        ['updated_start=yesterday', /date-time/],
        ['system_type=vintage', /system_type/],
      ] as const) {
        const refused = await get(`/hosts?${query}`, org.read);
        assert.equal(refused.statusCode, 400, query);
        const body = refused.json<{ status: number; title: string; detail: string }>();
        assert.equal(body.title, 'Bad Request');
        assert.match(body.detail, detail, query);
      }
    });

    it('finds hosts by the ids their inventory carries, shows them as canonical facts, and orders by last check-in', async () => {
      const org = await organization();
      const insights = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
      const cloud = await appliance(org.id, 'cloud-vm', { ...genericInventory(), insights_id: insights, provider_id: 'i-0abc', provider_type: 'aws' });
      t.clock.advance(60_000);
      const plain = await appliance(org.id, 'plain', genericInventory());
      assert.deepEqual(names(await list(`?insights_id=${insights.toUpperCase()}`, org.read)), ['cloud-vm']);
      assert.deepEqual(names(await list('?provider_id=i-0abc&provider_type=AWS', org.read)), ['cloud-vm']);
      const [host] = (await list(`?hostname_or_id=${cloud.id}`, org.read)).results;
      assert.deepEqual([host!.insights_id, host!.provider_id, host!.provider_type], [insights, 'i-0abc', 'aws']);
      assert.equal((await list(`?hostname_or_id=${plain.id}`, org.read)).results[0]!.insights_id, '00000000-0000-0000-0000-000000000000');

      t.clock.advance(60_000);
      assert.equal((await t.heartbeat(cloud.basic)).statusCode, 200);
      assert.deepEqual(names(await list('?order_by=last_check_in', org.read)), ['cloud-vm', 'plain'], 'newest check-in first');
      assert.deepEqual(names(await list('?order_by=last_check_in&order_how=ASC', org.read)), ['plain', 'cloud-vm']);
    });

    it('orders and pages: per_page up to 100, a page past the end is 404, the first page of nothing is empty', async () => {
      const { org } = await fleet();
      assert.deepEqual(names(await list('?order_by=display_name', org.read)), ['cluster-a', 'fw-branch', 'web-01']);
      assert.deepEqual(names(await list('?order_by=display_name&order_how=DESC', org.read)), ['web-01', 'fw-branch', 'cluster-a']);
      assert.deepEqual(names(await list('?order_by=operating_system', org.read)), ['fw-branch', 'cluster-a', 'web-01']);
      // Default: last modified first.
      assert.deepEqual(names(await list('', org.read)), ['fw-branch', 'cluster-a', 'web-01']);
      const second = await list('?order_by=display_name&per_page=2&page=2', org.read);
      assert.deepEqual([second.total, second.count, second.page, second.per_page, names(second)], [3, 1, 2, 2, ['web-01']]);
      const past = await get('/hosts?per_page=2&page=3', org.read);
      assert.equal(past.statusCode, 404);
      assert.equal(past.json<{ title: string }>().title, 'Not Found');
      const empty = await list('?display_name=nothing-like-this', org.read);
      assert.deepEqual([empty.total, empty.count, empty.results], [0, 0, []]);
    });

    it('looks hosts up by id: 400 for a malformed id, 404 naming the ids not found (another organization\u2019s included)', async () => {
      const { org, generic, nsec } = await fleet();
      const found = await get(`/hosts/${nsec.id},${generic.id}`, org.read);
      assert.equal(found.statusCode, 200, found.body);
      assert.deepEqual(names(found.json<List>()).sort(), ['fw-branch', 'web-01']);

      const malformed = await get(`/hosts/${generic.id},not-a-uuid`, org.read);
      assert.equal(malformed.statusCode, 400);
      // Up to 100 ids in one path segment (3,699 characters), more is a 400.
      const hundred = Array.from({ length: 99 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
      const many = await get(`/hosts/${[generic.id, ...hundred].join(',')}`, org.read);
      assert.equal(many.statusCode, 404);
      assert.equal(many.json<{ not_found_ids: string[] }>().not_found_ids.length, 99);
      const tooMany = await get(`/hosts/${[generic.id, nsec.id, ...hundred].join(',')}/tags`, org.read);
      assert.equal(tooMany.statusCode, 400);
      assert.equal((await get(`/hosts/${generic.id}/nothing`, org.read)).statusCode, 404);
      const stranger = await organization();
      const foreign = await appliance(stranger.id, 'elsewhere', genericInventory());
      const missing = '0b5c1d2e-3f40-4a51-8b62-7c83d94e0f15';
      const notFound = await get(`/hosts/${generic.id},${missing},${foreign.id}`, org.read);
      assert.equal(notFound.statusCode, 404);
      assert.deepEqual(notFound.json(), {
        status: 404,
        title: 'Not Found',
        detail: 'One or more hosts not found.',
        not_found_ids: [missing, foreign.id],
        type: 'about:blank',
      });
    });

    it('ages hosts from fresh to stale to stale_warning to culled from their last check-in, culled ones out of the default list and soft-deleted', async () => {
      const { org, generic, nsec } = await fleet();
      const states = async (query = '') => Object.fromEntries((await list(query, org.read)).results.map((host) => [host.display_name, host.staleness]));
      t.clock.advance(28 * HOUR);
      await t.heartbeat(generic.basic);
      t.clock.advance(2 * HOUR);
      assert.deepEqual(await states(), { 'web-01': 'fresh', 'cluster-a': 'stale', 'fw-branch': 'stale' });
      assert.deepEqual(await states('?staleness=fresh'), { 'web-01': 'fresh' });
      assert.deepEqual(await states('?staleness[]=stale&staleness[]=stale_warning'), { 'cluster-a': 'stale', 'fw-branch': 'stale' });
      t.clock.advance(6 * 24 * HOUR);
      assert.deepEqual(await states(), { 'web-01': 'stale', 'cluster-a': 'stale_warning', 'fw-branch': 'stale_warning' });
      // Totals by each way of counting: every state, states from fresh (a difference), any other set (a join).
      const total = async (query: string) => (await list(query, org.read)).total;
      assert.deepEqual(
        [
          await total(''),
          await total('?staleness=fresh'),
          await total('?staleness=fresh,stale'),
          await total('?staleness=stale_warning'),
          await total('?staleness=stale,stale_warning'),
          await total('?staleness=fresh,stale,stale_warning,unknown&display_name=web'),
        ],
        [3, 0, 1, 2, 3, 1],
      );
      t.clock.advance(23 * 24 * HOUR);
      assert.deepEqual(await states(), { 'web-01': 'stale_warning' }, 'culled hosts are not listed');
      t.clock.advance(24 * HOUR);
      assert.deepEqual(await states(), {});
      assert.equal((await list('', org.read)).total, 0);

      // The culling job soft-deletes them: restorable through /api/v1, and gone from the staleness filter too.
      assert.equal(Object.keys(await states('?staleness=fresh,stale,stale_warning,unknown')).length, 0);
      assert.ok((await t.muster.hostCulling.run()) >= 3);
      const deleted = (await t.admin.get(`/api/v1/systems?organization_id=${org.id}&deleted=only`)).json<{ items: { id: string }[] }>();
      assert.equal(deleted.items.length, 3, 'soft-deleted');
      assert.equal((await t.admin.post(`/api/v1/systems/${generic.id}/restore`)).statusCode, 200);
      assert.equal((await t.heartbeat(nsec.basic)).statusCode, 401, 'a culled system is deleted: its credentials no longer work');
      assert.equal((await t.heartbeat(generic.basic)).statusCode, 200, 'a restored one reports again');
    });

    it('serves labels as tags: per host, counted, fleet-wide with counts, and as a filter', async () => {
      const { org, generic, ns8, nsec } = await fleet();
      const label = async (id: string, labels: Record<string, string>) =>
        assert.equal((await t.admin.patch(`/api/v1/systems/${id}`, { labels })).statusCode, 200);
      await label(generic.id, { 'insights/env': 'prod', role: 'web' });
      await label(ns8.id, { 'insights/env': 'prod', owner: '' });
      await label(nsec.id, { 'insights/env': 'test' });

      const tags = await get(`/hosts/${generic.id},${ns8.id}/tags`, org.read);
      assert.equal(tags.statusCode, 200, tags.body);
      const results = tags.json<{ results: Record<string, unknown[]> }>().results;
      assert.deepEqual(results[generic.id], [
        { namespace: 'insights', key: 'env', value: 'prod' },
        { namespace: null, key: 'role', value: 'web' },
      ]);
      assert.deepEqual(results[ns8.id], [
        { namespace: 'insights', key: 'env', value: 'prod' },
        { namespace: null, key: 'owner', value: null },
      ]);
      const counted = (await get(`/hosts/${generic.id},${nsec.id}/tags/count`, org.read)).json<{ results: Record<string, number> }>();
      assert.deepEqual(counted.results, { [generic.id]: 2, [nsec.id]: 1 });

      const fleetTags = (await get('/tags?order_by=count&order_how=DESC', org.read)).json<List & { results: unknown[] }>();
      assert.equal(fleetTags.total, 4);
      assert.deepEqual(fleetTags.results[0], { tag: { namespace: 'insights', key: 'env', value: 'prod' }, count: 2 });
      const searched = (await get('/tags?search=WEB', org.read)).json<{ results: unknown[] }>();
      assert.deepEqual(searched.results, [{ tag: { namespace: null, key: 'role', value: 'web' }, count: 1 }]);

      const tagged = (query: string) => list(`?order_by=display_name&${query}`, org.read).then(names);
      assert.deepEqual(await tagged('tags=insights/env=prod'), ['cluster-a', 'web-01']);
      assert.deepEqual(await tagged('tags=insights/env'), ['cluster-a', 'fw-branch', 'web-01']);
      assert.deepEqual(await tagged('tags[]=insights/env=prod&tags[]=role=web'), ['web-01']);
      assert.deepEqual(await tagged('tags=role'), ['web-01']);
      assert.equal((await get('/hosts?tags=/broken', org.read)).statusCode, 400);
    });

    it('counts hosts per operating system', async () => {
      const { org } = await fleet();
      const answer = (await get('/system_profile/operating_system', org.read)).json<{ total: number; results: unknown[] }>();
      assert.equal(answer.total, 3);
      assert.deepEqual(answer.results, [
        { value: { name: 'NethSecurity', major: 8, minor: 5 }, count: 1 },
        { value: { name: 'Rocky Linux', major: 9, minor: 3 }, count: 1 },
        { value: { name: 'rocky', major: 9, minor: 5 }, count: 1 },
      ]);
    });

    it('renames, sets ansible_host, deletes (restorably) and checks hosts in, with a key that may write', async () => {
      const { org, generic, ns8 } = await fleet();
      const write = await org.key(['host-inventory:read', 'host-inventory:write']);
      const send = (method: 'PATCH' | 'DELETE' | 'POST', url: string, key: string, body?: unknown) =>
        t.muster.app.inject({
          method,
          url: `/api/inventory/v1${url}`,
          headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });

      assert.equal((await send('PATCH', `/hosts/${generic.id}`, org.read, { display_name: 'x' })).statusCode, 401, 'a read key may not write');
      const patched = await send('PATCH', `/hosts/${generic.id}`, write, { display_name: 'web-renamed', ansible_host: 'web.internal' });
      assert.equal(patched.statusCode, 200, patched.body);
      const [host] = (await list(`?hostname_or_id=${generic.id}`, org.read)).results;
      assert.equal(host!.display_name, 'web-renamed');
      assert.equal(host!.ansible_host, 'web.internal');
      for (const body of [{ display_name: '' }, { ansible_host: 7 }, { colour: 'blue' }, {}, []]) {
        assert.equal((await send('PATCH', `/hosts/${generic.id}`, write, body)).statusCode, 400, JSON.stringify(body));
      }

      t.clock.advance(30 * HOUR);
      assert.equal((await list(`?hostname_or_id=${ns8.id}`, org.read)).results[0]!.staleness, 'stale');
      const checkin = await send('POST', '/hosts/checkin', write, { fqdn: 'NODE1.example.org', checkin_frequency: 60 });
      assert.equal(checkin.statusCode, 201, checkin.body);
      assert.equal(checkin.json<Host>().id, ns8.id);
      assert.equal(checkin.json<Host>().staleness, 'fresh');
      assert.equal((await list(`?hostname_or_id=${ns8.id}`, org.read)).results[0]!.staleness, 'fresh', 'the check-in is a heartbeat');
      const unknown = await send('POST', '/hosts/checkin', write, { fqdn: 'nowhere.example.org' });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json<{ detail: string }>().detail, 'No hosts match the provided canonical facts.');
      assert.equal((await send('POST', '/hosts/checkin', write, { checkin_frequency: 5 })).statusCode, 400);

      const deleted = await send('DELETE', `/hosts/${generic.id},${ns8.id}`, write);
      assert.equal(deleted.statusCode, 200, deleted.body);
      assert.deepEqual(deleted.json(), {});
      assert.deepEqual(names(await list('', org.read)), ['fw-branch']);
      const x86 = () => list('?filter[system_profile][arch]=x86_64', org.read).then((answer) => answer.total);
      assert.equal(await x86(), 1, 'deleted hosts are not counted by a profile filter either');
      assert.equal((await get(`/hosts/${generic.id}`, org.read)).statusCode, 404);
      assert.equal((await t.admin.post(`/api/v1/systems/${generic.id}/restore`)).statusCode, 200);
      assert.equal((await list('', org.read)).total, 2, 'restored through /api/v1');
      assert.equal(await x86(), 2, 'and counted by a profile filter again');

      // The operators' changes are audited, with the key as the actor (check-ins are not).
      type Row = { action: string; actor_type: string; actor_id: string | null; target_type: string; target_id: string; outcome: string };
      const audit = (await t.admin.get(`/api/v1/audit?organization_id=${org.id}`)).json<{ items: Row[] }>().items;
      // One instant on the test's clock: rows compared in a fixed order, not the log's.
      const dialect = audit.filter((row) => row.action.startsWith('host-inventory.'));
      assert.deepEqual(dialect.map((row) => [row.action, row.outcome, row.target_type]).sort(), [
        // The read key's attempt names no organization (its key was refused), so it is not among these.
        ['host-inventory.hosts.delete', 'success', 'host'],
        ...Array.from({ length: 5 }, () => ['host-inventory.hosts.update', 'failure', 'host']),
        ['host-inventory.hosts.update', 'success', 'host'],
      ]);
      assert.equal(dialect.find((row) => row.action === 'host-inventory.hosts.delete')!.target_id, `${generic.id},${ns8.id}`);
      assert.ok(dialect.every((row) => row.actor_type === 'api-key' && row.actor_id));
    });

    it('derives the profiles of systems whose inventory was processed before profiles existed', async () => {
      const { org, generic, nsec } = await fleet();
      await database.db.query('DELETE FROM host_profiles WHERE system_id = ANY($1::uuid[])', [[generic.id, nsec.id]]);
      const [before] = (await list(`?hostname_or_id=${generic.id}&fields[system_profile]=arch`, org.read)).results;
      assert.deepEqual([before!.fqdn, before!.system_profile], [null, {}], 'no profile yet');
      assert.ok((await t.muster.hostProfileBackfill.run()) >= 2);
      const [after] = (await list(`?hostname_or_id=${generic.id}&fields[system_profile]=arch`, org.read)).results;
      assert.deepEqual([after!.fqdn, after!.system_profile], ['server.example.com', { arch: 'x86_64' }]);
      assert.equal(await t.muster.hostProfileBackfill.run(), 0, 'done: later runs look no further');
    });

    it("serves /health, /version and /metrics under the prefix, and the peer's 404 problem for unknown paths", async () => {
      assert.equal((await get('/health')).statusCode, 200);
      const version = await get('/version');
      assert.equal(version.statusCode, 200);
      assert.equal(typeof version.json<{ version: string }>().version, 'string');
      const metrics = await get('/metrics');
      assert.equal(metrics.statusCode, 200);
      assert.match(metrics.body, /muster_http_requests_total/);
      const unknown = await get('/nothing/here');
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json<{ title: string }>().title, 'Not Found');
    });

    it("keeps the organization's staleness settings as the peer's /account/staleness does, and ages its hosts by them", async () => {
      const org = await organization();
      const write = await org.key(['host-inventory:read', 'host-inventory:write']);
      const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, key = write) =>
        t.muster.app.inject({
          method,
          url: `/api/inventory/v1/account/staleness${url}`,
          headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
        });
      const defaults = {
        id: 'system_default',
        org_id: org.id,
        conventional_time_to_stale: 104_400,
        conventional_time_to_stale_warning: 604_800,
        conventional_time_to_delete: 2_592_000,
        immutable_time_to_stale: 104_400,
        immutable_time_to_stale_warning: 604_800,
        immutable_time_to_delete: 2_592_000,
        created: null,
        updated: null,
      };
      assert.deepEqual((await call('GET', '')).json(), defaults);
      assert.deepEqual((await call('GET', '/defaults')).json(), defaults);
      assert.equal((await call('PATCH', '', { conventional_time_to_stale: 3600 })).statusCode, 404, 'nothing to update yet');
      const notSet = await call('DELETE', '');
      assert.equal(notSet.statusCode, 404);
      assert.equal(notSet.json<{ detail: string }>().detail, `Staleness record for org_id ${org.id} does not exist.`);
      assert.equal((await call('POST', '', { conventional_time_to_stale: 3600 }, org.read)).statusCode, 401, 'a read key may not change it');

      const created = await call('POST', '', { conventional_time_to_stale: 3600, conventional_time_to_stale_warning: 7200 });
      assert.equal(created.statusCode, 201, created.body);
      const settings = created.json<Record<string, unknown>>();
      assert.match(String(settings.id), /^[0-9a-f-]{36}$/);
      assert.equal(settings.conventional_time_to_stale, 3600);
      assert.equal(settings.conventional_time_to_delete, 2_592_000, 'unset fields keep the defaults');
      assert.equal(settings.created, t.clock.now().toISOString().replace('Z', '+00:00'));
      const again = await call('POST', '', { conventional_time_to_stale: 60 });
      assert.equal(again.statusCode, 400);
      assert.deepEqual(again.json(), { title: 'Integrity error', detail: `Staleness record for org_id ${org.id} already exists.` });

      // Its hosts age by it: stale after an hour.
      const host = await appliance(org.id, 'quick-to-age', genericInventory());
      t.clock.advance(3601_000);
      const aged = (await list(`?hostname_or_id=${host.id}`, org.read)).results[0]!;
      assert.equal(aged.staleness, 'stale');
      assert.equal(Date.parse(aged.stale_timestamp as string) - Date.parse(aged.last_check_in as string), 3600_000);
      assert.equal(Date.parse(aged.stale_warning_timestamp as string) - Date.parse(aged.last_check_in as string), 7200_000);

      t.clock.advance(1000);
      const patched = await call('PATCH', '', { conventional_time_to_delete: 86_400 });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json<{ conventional_time_to_delete: number; conventional_time_to_stale: number }>().conventional_time_to_delete, 86_400);
      assert.equal(patched.json<{ conventional_time_to_stale: number }>().conventional_time_to_stale, 3600, 'a patch keeps the rest');
      assert.notEqual(patched.json<{ updated: string }>().updated, settings.updated);

      for (const [body, detail] of [
        [
          { conventional_time_to_stale: 604_801 },
          "Validation Error: {'conventional_time_to_stale': ['Must be greater than or equal to 1 and less than or equal to 604800.']}",
        ],
        [
          { conventional_time_to_stale_warning: 0 },
          "Validation Error: {'conventional_time_to_stale_warning': ['Must be greater than or equal to 1 and less than or equal to 15552000.']}",
        ],
        [
          { conventional_time_to_delete: 63_072_001 },
          "Validation Error: {'conventional_time_to_delete': ['Must be greater than or equal to 1 and less than or equal to 63072000.']}",
        ],
        [{ conventional_time_to_stale: 'soon' }, "Validation Error: {'conventional_time_to_stale': ['Not a valid integer.']}"],
        [{ colour: 1 }, "Validation Error: {'colour': ['Unknown field.']}"],
        [
          { conventional_time_to_stale: 7200 },
          "Validation Error: {'_schema': ['conventional_time_to_stale must be lower than conventional_time_to_stale_warning']}",
        ],
        [
          { conventional_time_to_stale_warning: 90_000 },
          "Validation Error: {'_schema': ['conventional_time_to_stale_warning must be lower than conventional_time_to_delete']}",
        ],
        [
          { immutable_time_to_stale: 604_800, immutable_time_to_stale_warning: 604_800 },
          "Validation Error: {'_schema': ['immutable_time_to_stale must be lower than immutable_time_to_stale_warning']}",
        ],
      ] as const) {
        const refused = await call('PATCH', '', body);
        assert.equal(refused.statusCode, 400, JSON.stringify(body));
        assert.deepEqual(refused.json<{ detail: string; title: string }>().detail, detail, JSON.stringify(body));
      }

      const removed = await call('DELETE', '');
      assert.equal(removed.statusCode, 204);
      assert.deepEqual((await call('GET', '')).json(), defaults, 'the defaults again');
      assert.equal((await list(`?hostname_or_id=${host.id}`, org.read)).results[0]!.staleness, 'fresh');

      // Each change of the settings is audited, its target the organization's record.
      type Row = { action: string; outcome: string; target_type: string; target_id: string };
      const audit = (await t.admin.get(`/api/v1/audit?organization_id=${org.id}&outcome=success`)).json<{ items: Row[] }>().items;
      assert.deepEqual(
        audit
          .filter((row) => row.action.startsWith('host-inventory.'))
          .map((row) => [row.action, row.target_type, row.target_id])
          .sort(),
        ['create', 'delete', 'update'].map((verb) => [`host-inventory.account.staleness.${verb}`, 'staleness', org.id]),
      );
    });

    it("lists a monitoring agent's server as a host reported by the monitoring dialect, its profile from the report", async () => {
      const org = await organization();
      const write = await org.key(['monitoring:write']);
      const report = await t.muster.app.inject({
        method: 'POST',
        url: '/monitoring/api/report',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${write}` },
        payload: JSON.stringify(SEED_REPORT),
      });
      assert.equal(report.statusCode, 200, report.body);
      const [server] = (await list('', org.read)).results;
      assert.ok(server);
      await t.muster.inventory.process(server.id);
      const [host] = (await list('?fields[system_profile]=operating_system,disk_devices', org.read)).results;
      assert.equal(host!.display_name, 'gpu-01');
      assert.equal(host!.reporter, 'monitoring');
      assert.equal(host!.fqdn, 'gpu01');
      assert.deepEqual((host!.system_profile as Record<string, unknown>).operating_system, { name: 'Ubuntu', major: 22, minor: 4 });
    });
  });
}

for (const kind of databaseKinds()) {
  describe(`host inventory with HOST_INVENTORY_IDENTITY=header (${kind})`, () => {
    const { t } = useTestMuster(kind, { clock: () => new ManualClock(START), env: { HOST_INVENTORY_IDENTITY: 'header' } });
    const OWN = '7f3a2c1e-0b4d-4e5f-8a6b-9c0d1e2f3a4b';

    const call = (method: 'GET' | 'PATCH' | 'POST', url: string, headers: Record<string, string>, body?: unknown) =>
      t.muster.app.inject({
        method,
        url: `/api/inventory/v1${url}`,
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });

    async function fleet() {
      const { id: org, name } = await t.createOrganization('gw');
      const hosts = {
        mine: (await t.createSystemWithInventory(org, 'mine', { ...genericInventory(), fqdn: 'mine.example.org', subscription_manager_id: OWN })).id,
        other: (await t.createSystemWithInventory(org, 'other', { ...genericInventory(), fqdn: 'other.example.org' })).id,
      };
      const user = { 'x-rh-identity': identityHeader({ org_id: org, type: 'User', auth_type: 'basic-auth', user: { username: 'ops' } }) };
      const system = {
        'x-rh-identity': identityHeader({ org_id: name, type: 'System', auth_type: 'cert-auth', system: { cert_type: 'system', cn: OWN.toUpperCase() } }),
      };
      return { org, name, hosts, user, system };
    }

    const names = async (response: Awaited<ReturnType<typeof call>>) => {
      assert.equal(response.statusCode, 200, response.body);
      return response
        .json<List>()
        .results.map((host) => host.display_name)
        .sort();
    };

    it("names the organization by the identity's org_id (its id or its name), and refuses bad or unknown identities", async () => {
      const { name, user } = await fleet();
      assert.deepEqual(await names(await call('GET', '/hosts', user)), ['mine', 'other']);
      const byName = { 'x-rh-identity': identityHeader({ org_id: name, type: 'User', auth_type: 'basic-auth' }) };
      assert.deepEqual(await names(await call('GET', '/hosts', byName)), ['mine', 'other']);
      for (const headers of [
        {} as Record<string, string>,
        { 'x-rh-identity': 'garbage' },
        { 'x-rh-identity': identityHeader({ org_id: 'no-such-org', type: 'User', auth_type: 'basic-auth' }) },
      ]) {
        const refused = await call('GET', '/hosts', headers);
        assert.equal(refused.statusCode, 401);
        assert.equal(refused.json<{ detail: string }>().detail, 'Invalid token');
      }
    });

    it('takes an API key beside the identity only when both name the same organization', async () => {
      const { org, user } = await fleet();
      const key = async (organizationId: string) =>
        (await t.admin.post(`/api/v1/organizations/${organizationId}/api-keys`, { name: 'hbi', scopes: ['host-inventory:read'] })).json<{ key: string }>().key;
      assert.equal((await call('GET', '/hosts', { ...user, authorization: `Bearer ${await key(org)}` })).statusCode, 200);
      const other = await fleet();
      assert.equal((await call('GET', '/hosts', { ...user, authorization: `Bearer ${await key(other.org)}` })).statusCode, 401);
    });

    it('lets a System identity see and check in only its own host, and change nothing', async () => {
      const { hosts, system } = await fleet();
      assert.deepEqual(await names(await call('GET', '/hosts', system)), ['mine']);
      assert.equal((await call('GET', `/hosts/${hosts.other}`, system)).statusCode, 404);
      assert.deepEqual(await names(await call('GET', `/hosts/${hosts.mine}`, system)), ['mine']);
      const tags = await call('GET', '/tags', system);
      assert.equal(tags.statusCode, 200);
      const forbidden = await call('PATCH', `/hosts/${hosts.mine}`, system, { display_name: 'renamed' });
      assert.equal(forbidden.statusCode, 403);
      assert.equal(forbidden.json<{ title: string }>().title, 'Forbidden');
      assert.equal((await call('POST', '/hosts/checkin', system, { fqdn: 'mine.example.org' })).statusCode, 201);
      assert.equal((await call('POST', '/hosts/checkin', system, { fqdn: 'other.example.org' })).statusCode, 404, "another host's check-in");
    });
  });
}
