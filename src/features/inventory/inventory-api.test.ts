import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { failAfter, faultyDb, refuseData } from '../../../test/helpers/faulty-db.ts';
import { genericInventory } from '../../../test/fixtures/sample-inventories.ts';
import { startTestMuster, useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';

type SeedInventory = Record<string, unknown> & {
  os: { version: string };
  services: { nginx: { version: string } };
  features: Record<string, unknown>;
  network: { interfaces: Record<string, unknown> };
};

/** The generic inventory of seed 000, as documented. */
const seedInventory = () => genericInventory() as SeedInventory;

/** The same system the day before: Rocky 9.2, nginx 1.23.0, no Docker. */
function previousInventory() {
  const inventory = seedInventory();
  inventory.os.version = '9.2';
  inventory.services.nginx.version = '1.23.0';
  delete inventory.features.docker;
  return inventory;
}

for (const kind of databaseKinds()) {
  describe(`inventory: ingest, processing, history and changes (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { ROLES: 'api,scheduler' } });

    const post = (basic: string, payload: string | Buffer, headers: Record<string, string> = {}) =>
      t.muster.app.inject({
        method: 'POST',
        url: '/api/systems/inventory',
        headers: { authorization: basic, 'content-type': 'application/json', ...headers },
        payload,
      });

    it('accepts an inventory with 202 and the seed envelope, queued durably before answering', async () => {
      const system = await t.createRegisteredSystem();
      const body = JSON.stringify(seedInventory());
      const response = await post(system.basic, body);
      assert.equal(response.statusCode, 202);
      const answer = response.json();
      assert.equal(answer.code, 200);
      assert.equal(answer.message, 'Inventory received and queued for processing');
      assert.deepEqual(Object.keys(answer.data), ['changes_detected', 'data_size', 'message', 'queue_status', 'system_id', 'timestamp']);
      assert.equal(answer.data.system_id, system.id);
      assert.equal(answer.data.data_size, Buffer.byteLength(body));
      assert.equal(answer.data.queue_status, 'queued');
      assert.equal(answer.data.changes_detected, true);
      const uploads = await database.db.query('SELECT 1 FROM inventory_uploads WHERE system_id = $1', [system.id]);
      assert.equal(uploads.rows.length, 1, 'stored before the answer');
      const status = (await t.admin.get('/api/v1/jobs')).json();
      assert.ok(status.queues.find((queue: { name: string }) => queue.name === 'inventory.process').queued >= 1);
    });

    it('processes into a record, a summary, and the seed example changes with their severities', async () => {
      const system = await t.createRegisteredSystem();
      await post(system.basic, JSON.stringify(previousInventory()));
      t.clock.advance(60_000);
      await post(system.basic, JSON.stringify(seedInventory()));
      assert.equal(await t.muster.inventory.process(system.id), 2);

      const latest = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/latest`)).json();
      assert.deepEqual(latest.data, seedInventory());
      assert.equal(latest.change_count, 3);
      const fetched = (await t.admin.get(`/api/v1/systems/${system.id}`)).json();
      assert.equal(fetched.fqdn, 'server.example.com');
      assert.equal(fetched.ipv4_address, '192.168.1.100');
      assert.equal(fetched.last_inventory_at, t.clock.now().toISOString());

      const diffs = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs?order=asc`)).json();
      const byPath = Object.fromEntries(diffs.items.map((diff: { field_path: string }) => [diff.field_path, diff]));
      assert.deepEqual(
        [
          byPath['os.version'].diff_type,
          byPath['os.version'].previous_value,
          byPath['os.version'].current_value,
          byPath['os.version'].severity,
          byPath['os.version'].category,
        ],
        ['update', '9.2', '9.3', 'high', 'os'],
      );
      assert.deepEqual(
        [
          byPath['services.nginx.version'].previous_value,
          byPath['services.nginx.version'].current_value,
          byPath['services.nginx.version'].severity,
          byPath['services.nginx.version'].category,
        ],
        ['1.23.0', '1.24.0', 'medium', 'services'],
      );
      assert.deepEqual(
        [byPath['features.docker'].diff_type, byPath['features.docker'].current_value, byPath['features.docker'].severity, byPath['features.docker'].category],
        ['create', { enabled: true, version: '24.0.7' }, 'medium', 'features'],
      );

      const filtered = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs?severity[]=high`)).json();
      assert.deepEqual(
        filtered.items.map((diff: { field_path: string }) => diff.field_path),
        ['os.version'],
      );
      const byType = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs?diff_type=create&category=features`)).json();
      assert.equal(byType.total, 1);
      const searched = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs?search=nginx`)).json();
      assert.equal(searched.total, 1);

      const timeline = (
        await t.admin.get(`/api/v1/systems/${system.id}/inventory/timeline?to=${new Date(t.clock.now().getTime() + 1000).toISOString()}`)
      ).json();
      assert.equal(timeline.days.length, 1);
      assert.deepEqual(timeline.days[0].by_severity, { low: 0, medium: 2, high: 1, critical: 0 });
      assert.equal(timeline.time_zone, 'UTC');
      // Days in a zone: at +14 h or -12 h (one of the two is always another calendar day than UTC's).
      const detectedAt = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs`)).json().items[0].detected_at;
      const days = new Set<string>();
      for (const zone of ['Pacific/Kiritimati', 'Etc/GMT+12']) {
        const zoned = (
          await t.admin.get(`/api/v1/systems/${system.id}/inventory/timeline?time_zone=${encodeURIComponent(zone)}&to=${encodeURIComponent(timeline.to)}`)
        ).json();
        const expected = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(detectedAt));
        assert.deepEqual([zoned.time_zone, zoned.days.map((day: { date: string }) => day.date)], [zone, [expected]]);
        days.add(expected);
      }
      days.add(timeline.days[0].date);
      assert.ok(days.size >= 2, 'one of the zones puts the changes on another day than UTC');
      for (const zone of ['Mars/Olympus_Mons', "UTC'; --", '+01:00']) {
        const refused = await t.admin.get(`/api/v1/systems/${system.id}/inventory/timeline?time_zone=${encodeURIComponent(zone)}`);
        assert.equal(refused.statusCode, 400, zone);
        assert.match(refused.json().message, /time_zone/);
      }

      const records = (await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json();
      assert.equal(records.total, 2);
      assert.equal(records.items[0].data, undefined, 'the list leaves the snapshots out');
      const first = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/${records.items[1].id}`)).json();
      assert.equal(first.data.os.version, '9.2');

      const summary = (await t.admin.get(`/api/v1/summary?organization_id=${system.organizationId}`)).json();
      assert.ok(
        summary.recent_changes.some((diff: { system_id: string; field_path: string }) => diff.system_id === system.id && diff.field_path === 'os.version'),
      );
      const changes = (await t.admin.get('/api/v1/changes?page_size=500')).json();
      assert.ok(changes.items.some((diff: { system_id: string; field_path: string }) => diff.system_id === system.id && diff.field_path === 'os.version'));
    });

    it('fleet-wide changes and the summary name each system; the summary counts systems per type', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}` })).json();
      const firewall = await t.createRegisteredSystem({ organization_id: organization.id, name: 'edge-firewall', type: 'nsec' });
      await t.createRegisteredSystem({ organization_id: organization.id, name: 'node-a', type: 'ns8' });
      await t.createRegisteredSystem({ organization_id: organization.id, name: 'node-b', type: 'ns8' });
      await t.createRegisteredSystem({ organization_id: organization.id, name: 'untyped' });
      const gone = await t.createRegisteredSystem({ organization_id: organization.id, name: 'gone', type: 'linux' });
      assert.equal((await t.admin.delete(`/api/v1/systems/${gone.id}`)).statusCode, 200);

      await post(firewall.basic, JSON.stringify(previousInventory()));
      t.clock.advance(60_000);
      await post(firewall.basic, JSON.stringify(seedInventory()));
      await t.muster.inventory.process(firewall.id);

      const summary = (await t.admin.get(`/api/v1/summary?organization_id=${organization.id}`)).json();
      assert.deepEqual(summary.by_type, [
        { type: 'ns8', count: 2 },
        { type: 'nsec', count: 1 },
      ]);
      assert.ok(summary.recent_changes.length > 0);
      for (const change of summary.recent_changes) assert.deepEqual([change.system_id, change.system_name], [firewall.id, 'edge-firewall']);
      const changes = (await t.admin.get(`/api/v1/changes?organization_id=${organization.id}`)).json();
      assert.ok(changes.items.length > 0);
      for (const change of changes.items) assert.equal(change.system_name, 'edge-firewall');
      const own = (await t.admin.get(`/api/v1/systems/${firewall.id}/inventory/diffs`)).json();
      assert.equal(own.items[0].system_name, 'edge-firewall');
    });

    it('marks a removed network interface critical and counts the system as needing attention', async () => {
      const organization = (await t.admin.post('/api/v1/organizations', { name: `org-${Math.random()}` })).json();
      const system = await t.createRegisteredSystem({ organization_id: organization.id });
      await post(system.basic, JSON.stringify(seedInventory()));
      t.clock.advance(1000);
      const withoutEth1 = seedInventory();
      delete withoutEth1.network.interfaces.eth1;
      await post(system.basic, JSON.stringify(withoutEth1));
      await t.muster.inventory.process(system.id);
      const diffs = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs`)).json();
      assert.deepEqual(
        diffs.items.map((diff: { field_path: string; diff_type: string; severity: string; category: string }) => [
          diff.field_path,
          diff.diff_type,
          diff.severity,
          diff.category,
        ]),
        [['network.interfaces.eth1', 'delete', 'critical', 'network']],
      );
      const summary = (await t.admin.get(`/api/v1/summary?organization_id=${organization.id}`)).json();
      assert.equal(summary.needs_attention.critical_changes_24h, 1);
    });

    it('dedups by canonical hash: a re-send, in any key order, refreshes the latest record and adds no diff', async () => {
      const system = await t.createRegisteredSystem();
      await post(system.basic, JSON.stringify(seedInventory()));
      await t.muster.inventory.process(system.id);
      t.clock.advance(3_600_000);
      const reordered = Object.fromEntries(Object.entries(seedInventory()).reverse());
      const again = await post(system.basic, JSON.stringify(reordered));
      assert.equal(again.json().data.changes_detected, false);
      await t.muster.inventory.process(system.id);
      const records = (await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json();
      assert.equal(records.total, 1);
      assert.equal(records.items[0].last_seen_at, t.clock.now().toISOString());
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs`)).json().total, 0);
    });

    it('sees no change when a list of named items is only reordered', async () => {
      const system = await t.createRegisteredSystem();
      const modules = [
        { id: 'mail1', version: '1.0' },
        { id: 'nextcloud1', version: '2.0' },
      ];
      await post(system.basic, JSON.stringify({ installation: 'nethserver', facts: { modules } }));
      t.clock.advance(1000);
      await post(system.basic, JSON.stringify({ installation: 'nethserver', facts: { modules: [...modules].reverse() } }));
      await t.muster.inventory.process(system.id);
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs`)).json().total, 0);
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}`)).json().type, 'ns8');
    });

    it('accepts gzip bodies and answers bad input with 400/413 envelopes, storing nothing', async () => {
      const system = await t.createRegisteredSystem();
      const gzipped = await post(system.basic, gzipSync(JSON.stringify(seedInventory())), { 'content-encoding': 'gzip' });
      assert.equal(gzipped.statusCode, 202, gzipped.body);
      assert.equal(gzipped.json().data.data_size, Buffer.byteLength(JSON.stringify(seedInventory())));

      const cases: [string | Buffer, Record<string, string>, string][] = [
        ['', {}, 'data is required'],
        ['   ', {}, 'data is required'],
        ['{"fqdn": ', {}, 'data must be valid JSON'],
        ['[1, 2]', {}, 'data must be a JSON object'],
        ['"text"', {}, 'data must be a JSON object'],
        ['{"bad": "\\u0000"}', {}, 'a JSON string holds \\u0000, which cannot be stored'],
      ];
      for (const [payload, headers, reason] of cases) {
        const response = await post(system.basic, payload, headers);
        assert.equal(response.statusCode, 400, `${String(payload)}: ${response.body}`);
        assert.deepEqual(response.json(), { code: 400, message: 'invalid inventory data', data: { validation_error: reason } });
      }
      const notGzip = await post(system.basic, 'not gzip at all', { 'content-encoding': 'gzip' });
      assert.equal(notGzip.statusCode, 400);

      const limited = await startTestMuster(await database.openAnother(), { API_MAX_REQUEST_SIZE: '4kb', ROLES: 'api' });
      try {
        const big = JSON.stringify({ padding: 'x'.repeat(10_000) });
        assert.equal(
          (
            await limited.muster.app.inject({
              method: 'POST',
              url: '/api/systems/inventory',
              headers: { authorization: system.basic, 'content-type': 'application/json' },
              payload: big,
            })
          ).statusCode,
          413,
        );
        const bomb = gzipSync(JSON.stringify({ padding: 'x'.repeat(1_000_000) }));
        assert.ok(bomb.length < 4096);
        const expanded = await limited.muster.app.inject({
          method: 'POST',
          url: '/api/systems/inventory',
          headers: { authorization: system.basic, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          payload: bomb,
        });
        assert.equal(expanded.statusCode, 413, 'the limit applies to the decoded body');
      } finally {
        await limited.close();
      }
      const stored = await database.db.query('SELECT count(*)::int AS count FROM inventory_uploads WHERE system_id = $1', [system.id]);
      assert.deepEqual(stored.rows, [{ count: 1 }], 'only the gzip inventory was stored');
      assert.equal((await post('Basic bm9wZTpub3Bl', '{}')).statusCode, 401);
    });

    it('answers 503 with Retry-After, never 202, when the inventory cannot be stored', async () => {
      const system = await t.createRegisteredSystem();
      const db = faultyDb(await database.openAnother());
      const node = await startTestMuster(db, { ROLES: 'api' });
      try {
        assert.equal((await node.heartbeat(system.basic)).statusCode, 200, 'credentials cached on this node');
        db.down = true;
        const response = await node.muster.app.inject({
          method: 'POST',
          url: '/api/systems/inventory',
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          payload: JSON.stringify(seedInventory()),
        });
        assert.equal(response.statusCode, 503);
        assert.ok(Number(response.headers['retry-after']) > 0);
        assert.deepEqual(response.json(), { code: 503, message: 'failed to process inventory', data: null });
      } finally {
        db.down = false;
        await node.close();
      }
      const stored = await database.db.query('SELECT 1 FROM inventory_uploads WHERE system_id = $1', [system.id]);
      assert.equal(stored.rows.length, 0);
    });

    it('group commit: a batch whose statement fails answers 503 to every request in it and stores nothing', async () => {
      const systems = await Promise.all([1, 2, 3].map(() => t.createRegisteredSystem()));
      // A node whose ingest statements (uploads, hashes and jobs in one) fail.
      const node = await startTestMuster(failAfter(database.db, /INSERT INTO inventory_uploads/), { ROLES: 'api' });
      try {
        const responses = await Promise.all(
          [...systems, ...systems].map((system) =>
            node.muster.app.inject({
              method: 'POST',
              url: '/api/systems/inventory',
              headers: { authorization: system.basic, 'content-type': 'application/json' },
              payload: JSON.stringify(seedInventory()),
            }),
          ),
        );
        for (const response of responses) {
          assert.equal(response.statusCode, 503, response.body);
          assert.ok(Number(response.headers['retry-after']) > 0);
          assert.deepEqual(response.json(), { code: 503, message: 'failed to process inventory', data: null });
        }
      } finally {
        await node.close();
      }
      const ids = systems.map((system) => system.id);
      const stored = await database.db.query('SELECT 1 FROM inventory_uploads WHERE system_id = ANY($1::uuid[])', [ids]);
      assert.equal(stored.rows.length, 0);
      const hashes = await database.db.query('SELECT 1 FROM systems WHERE id = ANY($1::uuid[]) AND inventory_hash IS NOT NULL', [ids]);
      assert.equal(hashes.rows.length, 0, 'no latest hash moved');
      assert.equal(await t.muster.inventory.process(...ids), 0, 'and no job has anything to do');
    });

    it('group commit without pg-boss insert statement: uploads and jobs stored in one transaction, then processed', async () => {
      const systems = await Promise.all([1, 2].map(() => t.createRegisteredSystem()));
      const ids = systems.map((system) => system.id);
      // What happens should a pg-boss upgrade no longer offer its insert as one plain statement.
      const jobs = t.muster.jobs;
      const offered = jobs.insertStatement.bind(jobs);
      const enqueueMany = jobs.enqueueMany.bind(jobs);
      let asked = 0;
      const enqueued: string[] = [];
      jobs.insertStatement = () => {
        asked++;
        return Promise.resolve(undefined);
      };
      jobs.enqueueMany = (tx, queue, batch) => {
        enqueued.push(...batch.map((job) => job.singletonKey ?? ''));
        return enqueueMany(tx, queue, batch);
      };
      try {
        const responses = await Promise.all(
          [...systems, ...systems].map((system, index) => {
            const inventory = seedInventory();
            inventory.os.version = `11.${index}`;
            return post(system.basic, JSON.stringify(inventory));
          }),
        );
        for (const response of responses) assert.equal(response.statusCode, 202, response.body);
        assert.ok(asked >= 1, 'the ingest asked for the statement');
        assert.deepEqual([...new Set(enqueued)].sort(), [...ids].sort(), 'and enqueued the jobs itself, keyed by system');
      } finally {
        jobs.insertStatement = offered;
        jobs.enqueueMany = enqueueMany;
      }
      const stored = await database.db.query('SELECT 1 FROM inventory_uploads WHERE system_id = ANY($1::uuid[])', [ids]);
      assert.equal(stored.rows.length, 4, 'every acknowledged inventory is stored');
      // pg-boss's job table (its shape is pinned by src/queue/job-queue.test.ts).
      const { rows: current } = await database.db.query<{ schema: string }>('SELECT current_schema() AS schema');
      const jobSchema = kind === 'pglite' ? 'pgboss' : `${current[0]!.schema}_jobs`;
      const waiting = await database.db.query<{ singleton_key: string }>(
        `SELECT singleton_key FROM ${jobSchema}.job WHERE name = 'inventory.process' AND state = 'created' AND singleton_key = ANY($1::text[])`,
        [ids],
      );
      assert.deepEqual(waiting.rows.map((row) => row.singleton_key).sort(), [...ids].sort(), 'one waiting job per system, committed with the uploads');
      assert.equal(await t.muster.inventory.process(...ids), 4);
      for (const system of systems) {
        const records = (await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json();
        assert.equal(records.total, 2);
      }
    });

    it('group commit: concurrent inventories of one system are all stored, in order, and processed into one chain', async () => {
      const system = await t.createRegisteredSystem();
      const versions = ['10.0', '10.1', '10.2', '10.3', '10.4', '10.5'];
      const bodies = versions.map((version) => {
        const inventory = seedInventory();
        inventory.os.version = version;
        return JSON.stringify(inventory);
      });
      const responses = await Promise.all(bodies.map((body) => post(system.basic, body)));
      for (const response of responses) assert.equal(response.statusCode, 202, response.body);
      assert.ok(responses.every((response) => response.json().data.changes_detected === true));
      // The order in which concurrent requests reach the batch is not theirs: re-send whichever was stored last.
      const { rows } = await database.db.query<{ version: string }>(
        "SELECT data->'os'->>'version' AS version FROM inventory_uploads WHERE system_id = $1 ORDER BY id DESC LIMIT 1",
        [system.id],
      );
      const resend = await post(system.basic, bodies[versions.indexOf(rows[0]!.version)]!);
      assert.equal(resend.statusCode, 202, resend.body);
      assert.equal(resend.json().data.changes_detected, false, 'an identical re-send of the latest is no change');

      assert.equal(await t.muster.inventory.process(system.id), 7);
      const records = (await t.admin.get(`/api/v1/systems/${system.id}/inventory?page_size=50`)).json();
      assert.equal(records.total, 6, 'the re-send refreshed the latest record');
      const diffs = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs?page_size=50`)).json();
      assert.equal(diffs.total, 5);
      // Every record but the first is diffed against the one before it: the changes form one chain.
      const next = new Map(diffs.items.map((diff: { previous_value: string; current_value: string }) => [diff.previous_value, diff.current_value]));
      const first = versions.find((version) => !diffs.items.some((diff: { current_value: string }) => diff.current_value === version))!;
      const chain = [first];
      while (next.has(chain.at(-1))) chain.push(next.get(chain.at(-1)) as string);
      assert.deepEqual([...chain].sort(), versions);
      const latest = (await t.admin.get(`/api/v1/systems/${system.id}/inventory/latest`)).json();
      assert.equal(latest.data.os.version, chain.at(-1));
      assert.equal(await t.muster.inventory.process(system.id), 0, 'nothing processed twice');
    });

    it('group commit: an inventory PostgreSQL refuses gets 400 without failing the others of its batch', async () => {
      // Whatever the database refuses for its data (class 22, 23 or 54) is that request's 400 alone.
      for (const [code, message] of [
        ['22003', 'value overflows numeric format'],
        ['54001', 'stack depth limit exceeded'],
      ]) {
        const refusing = await startTestMuster(refuseData(await database.openAnother(), 'refuse-me', code!, message), { ROLES: 'api' });
        try {
          const systems = await Promise.all(Array.from({ length: 6 }, () => t.createRegisteredSystem()));
          const answers = await Promise.all(
            systems.map((system, index) =>
              refusing.muster.app.inject({
                method: 'POST',
                url: '/api/systems/inventory',
                headers: { authorization: system.basic, 'content-type': 'application/json' },
                payload: JSON.stringify({ ...seedInventory(), custom: { note: index === 2 ? 'refuse-me' : 'fine' } }),
              }),
            ),
          );
          assert.deepEqual(
            answers.map((answer) => answer.statusCode),
            [202, 202, 400, 202, 202, 202],
            answers.map((answer) => answer.body).join('\n'),
          );
          assert.deepEqual(answers[2]!.json(), {
            code: 400,
            message: 'invalid inventory data',
            data: { validation_error: `data cannot be stored: ${message}` },
          });
          const stored = await database.db.query<{ system_id: string }>('SELECT system_id FROM inventory_uploads WHERE system_id = ANY($1::uuid[])', [
            systems.map((system) => system.id),
          ]);
          assert.deepEqual(new Set(stored.rows.map((row) => row.system_id)), new Set(systems.filter((_, index) => index !== 2).map((system) => system.id)));
        } finally {
          await refusing.close();
        }
      }
    });

    it('a processing run that fails half-way is retried without duplicate records or diffs', async () => {
      const system = await t.createRegisteredSystem();
      await post(system.basic, JSON.stringify(previousInventory()));
      await t.muster.inventory.process(system.id);
      t.clock.advance(1000);
      await post(system.basic, JSON.stringify(seedInventory()));

      // A node whose database connection dies right after the diffs are written.
      const failing = await startTestMuster(failAfter(database.db, /INSERT INTO inventory_diffs/), { ROLES: 'api' });
      try {
        await assert.rejects(failing.muster.inventory.process(system.id));
      } finally {
        await failing.close();
      }
      assert.equal(await t.muster.inventory.process(system.id), 1, 'the inventory is still waiting');
      assert.equal(await t.muster.inventory.process(system.id), 0, 'and processed once');
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}/inventory`)).json().total, 2);
      assert.equal((await t.admin.get(`/api/v1/systems/${system.id}/inventory/diffs`)).json().total, 3);
    });

    it('a worker started after the inventory was queued processes it (jobs survive restarts)', async () => {
      const system = await t.createRegisteredSystem();
      await post(system.basic, JSON.stringify(seedInventory()));
      const worker = await startTestMuster(await database.openAnother(), { ROLES: 'worker' });
      try {
        let total = 0;
        for (let attempt = 0; attempt < 100 && total === 0; attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          const { rows } = await database.db.query<{ count: number }>('SELECT count(*)::int AS count FROM inventory_records WHERE system_id = $1', [system.id]);
          total = rows[0]!.count;
        }
        assert.equal(total, 1);
      } finally {
        await worker.close();
      }
    });
  });
}
