import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { nestedObjects } from './helpers/hostile-bodies.ts';
import { databaseKinds } from './helpers/test-databases.ts';
import { adminHeaders, startTestMuster, useTestMuster } from './helpers/test-muster.ts';

const inventory = (fqdn: string) => ({ fqdn, os: { name: 'Rocky Linux', version: '9.3' }, services: { nginx: { version: '1.24.0' } } });

const jsonHeaders = { 'content-type': 'application/json', ...adminHeaders };

for (const kind of databaseKinds()) {
  describe(`hostile input: refused with 400 before parsing or the database, never 5xx, never a stall (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { ROLES: 'api,scheduler' } });

    const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, options: { headers?: Record<string, string>; body?: string | Buffer } = {}) =>
      t.muster.app.inject({ method, url, headers: options.headers ?? adminHeaders, ...(options.body === undefined ? {} : { payload: options.body }) });
    const sendInventory = (basic: string, body: string | Buffer, headers: Record<string, string> = {}) =>
      inject('POST', '/api/systems/inventory', { headers: { authorization: basic, 'content-type': 'application/json', ...headers }, body });
    const uploadsOf = async (systemId: string) =>
      (await database.db.query<{ count: number }>('SELECT count(*)::int AS count FROM inventory_uploads WHERE system_id = $1', [systemId])).rows[0]!.count;

    it('a NUL (%00) in a query string or a path is 400 on every route (searches answered 500)', async () => {
      const system = await t.createRegisteredSystem();
      const urls = [
        '/api/v1/systems?search=%00',
        `/api/v1/systems/${system.id}/inventory/diffs?search=%00`,
        '/api/v1/changes?search=%00',
        '/api/v1/organizations?search=a%00b',
        '/api/v1/alerts?name=%00',
        '/api/v1/systems/%00',
        '/api/v1/jobs/inventory.process%00/dead',
      ];
      for (const url of urls) {
        const response = await inject('GET', url);
        assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
        assert.match(response.json().message, /NUL/);
      }
      const appliance = await inject('GET', '/api/systems/backups/%00', { headers: { authorization: system.basic } });
      assert.equal(appliance.statusCode, 400);
      assert.equal((await inject('GET', '/api/v1/systems?search=%2500')).statusCode, 200, 'an encoded "%00" is text, not a NUL');
    });

    it('a \\u0000 or an unpaired surrogate in a JSON body is 400 on create and update (answered 500)', async () => {
      const system = await t.createSystem({ name: 'kept' });
      const cases: ['POST' | 'PATCH', string, string][] = [
        ['POST', '/api/v1/systems', '{"name":"a\\u0000b"}'],
        ['PATCH', `/api/v1/systems/${system.id}`, '{"name":"a\\u0000b"}'],
        ['PATCH', `/api/v1/systems/${system.id}`, '{"labels":{"site":"x\\u0000"}}'],
        ['POST', '/api/v1/organizations', '{"name":"org\\u0000"}'],
        ['POST', '/api/v1/systems', '{"name":"half \\ud800 a pair"}'],
      ];
      for (const [method, url, body] of cases) {
        const response = await inject(method, url, { headers: jsonHeaders, body });
        assert.equal(response.statusCode, 400, `${method} ${url} ${body}: ${response.body}`);
        assert.match(response.json().message, /^request body refused: a JSON string holds (\\u0000|an unpaired surrogate)/);
      }
      assert.equal((await inject('GET', `/api/v1/systems/${system.id}`)).json().name, 'kept');
    });

    it('date-times JavaScript or PostgreSQL cannot hold are 400 (year 0000, before year 1 by its offset, a leap second: 500; found by the fuzz run)', async () => {
      const system = await t.createRegisteredSystem();
      for (const query of ['from=0000-01-01T00:00:00Z', 'from=0001-01-01T00:00:00%2B14:00', 'to=2016-12-31T23:59:60Z', 'to=9999-12-31T23:59:59-14:00']) {
        for (const url of [
          `/api/v1/systems/${system.id}/inventory/diffs?${query}`,
          `/api/v1/systems/${system.id}/inventory/timeline?${query}`,
          `/api/v1/changes?${query}`,
        ]) {
          const response = await inject('GET', url);
          assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
          assert.match(response.json().message, /must match format "date-time"/);
        }
      }
      // The first and last instants are fine, and a timeline ending in year 1 starts there, not 30 days before.
      assert.equal((await inject('GET', `/api/v1/systems/${system.id}/inventory/diffs?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59.999Z`)).statusCode, 200);
      const timeline = await inject('GET', `/api/v1/systems/${system.id}/inventory/timeline?to=0001-01-05T00:00:00Z`);
      assert.equal(timeline.statusCode, 200, timeline.body);
      assert.equal(timeline.json().from, '0001-01-01T00:00:00.000Z');
    });

    it('numbers beyond a double are 400 for inventories, plain or gzip (0.1e999999999 answered 503 + Retry-After forever; 1e400 was stored as null)', async () => {
      const system = await t.createRegisteredSystem();
      for (const number of ['0.1e999999999', '1e400', '-1e400', '1e-400']) {
        const body = `{"fqdn":"a.example","a":${number}}`;
        for (const [payload, headers] of [
          [body, {}],
          [gzipSync(body), { 'content-encoding': 'gzip' }],
        ] as const) {
          const response = await sendInventory(system.basic, payload, headers);
          assert.equal(response.statusCode, 400, `${number}: ${response.body}`);
          assert.equal(response.headers['retry-after'], undefined);
          assert.equal(response.json().message, 'invalid inventory data');
          assert.match(response.json().data.validation_error, new RegExp(`^the JSON number ${number.replace('.', '\\.')} `));
        }
      }
      assert.equal(await uploadsOf(system.id), 0);
    });

    it('inventories nested 5,000-20,000 deep are refused at once, naming API_MAX_JSON_DEPTH (jobs retried forever; PGlite hung; PostgreSQL failed the batch)', async () => {
      const system = await t.createRegisteredSystem();
      for (const depth of [5_000, 10_000, 10_000, 20_000]) {
        const started = performance.now();
        const response = await sendInventory(system.basic, nestedObjects(depth));
        assert.equal(response.statusCode, 400, response.body);
        assert.deepEqual(response.json(), {
          code: 400,
          message: 'invalid inventory data',
          data: { validation_error: 'JSON nests deeper than 64 levels (API_MAX_JSON_DEPTH)' },
        });
        assert.ok(performance.now() - started < 1000, `${depth} deep took ${performance.now() - started} ms`);
      }
      assert.equal(await uploadsOf(system.id), 0);
      assert.equal((await inject('GET', '/api/health')).statusCode, 200);
      assert.equal((await t.heartbeat(system.basic)).statusCode, 200);
    });

    it('an inventory nested 20,000 deep fails no other request of its batch: 10 healthy systems all get 202', async () => {
      const healthy = await Promise.all(Array.from({ length: 10 }, () => t.createRegisteredSystem()));
      const sender = await t.createRegisteredSystem();
      const answers = await Promise.all([
        ...healthy.map((system, index) => sendInventory(system.basic, JSON.stringify(inventory(`h${index}.example`)))),
        sendInventory(sender.basic, nestedObjects(20_000)),
        ...healthy.map((system) => t.heartbeat(system.basic)),
      ]);
      const statuses = answers.map((answer) => answer.statusCode);
      assert.deepEqual(statuses, [...Array<number>(10).fill(202), 400, ...Array<number>(10).fill(200)]);
      for (const system of healthy) assert.equal(await uploadsOf(system.id), 1);
    });

    it('every JSON body is checked: management API, registration and the Alertmanager proxy', async () => {
      const system = await t.createRegisteredSystem();
      const deep = nestedObjects(100);
      const answers = [
        await inject('POST', '/api/v1/systems', { headers: jsonHeaders, body: deep }),
        await inject('POST', '/api/v1/organizations', { headers: jsonHeaders, body: deep }),
        await inject('POST', '/api/systems/register', { headers: { 'content-type': 'application/json' }, body: deep }),
        await inject('POST', '/api/services/mimir/alertmanager/api/v2/silences', {
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          body: deep,
        }),
        await inject('POST', '/api/services/mimir/alertmanager/api/v2/alerts', {
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          body: `[{"labels":{"a":${'1'.repeat(1001)}}}]`,
        }),
      ];
      for (const answer of answers) assert.equal(answer.statusCode, 400, answer.body);
      assert.deepEqual(answers[0]!.json().data, { limit: 'depth', setting: 'API_MAX_JSON_DEPTH', max: 64, at: 320 });
      assert.equal(answers[4]!.json().data.limit, 'number');
    });

    it('the limits are settings, named in the answers: API_MAX_JSON_VALUES, API_MAX_JSON_STRING', async () => {
      const limited = await startTestMuster(await database.openAnother(), { ROLES: 'api', API_MAX_JSON_VALUES: '10', API_MAX_JSON_STRING: '16' });
      try {
        const system = await t.createRegisteredSystem();
        const values = await limited.muster.app.inject({
          method: 'POST',
          url: '/api/systems/inventory',
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          payload: JSON.stringify({ list: Array.from({ length: 10 }, (_, index) => index) }),
        });
        assert.equal(values.statusCode, 400);
        assert.equal(values.json().data.validation_error, 'JSON holds more than 10 values (API_MAX_JSON_VALUES)');
        const string = await limited.muster.app.inject({
          method: 'POST',
          url: '/api/v1/systems',
          headers: jsonHeaders,
          payload: JSON.stringify({ name: 'x'.repeat(17) }),
        });
        assert.equal(string.statusCode, 400, string.body);
        assert.equal(string.json().message, 'request body refused: a JSON string is longer than 16 characters (API_MAX_JSON_STRING)');
        assert.equal(
          (await limited.muster.app.inject({ method: 'POST', url: '/api/v1/systems', headers: jsonHeaders, payload: JSON.stringify({ name: 'x'.repeat(16) }) }))
            .statusCode,
          201,
        );
      } finally {
        await limited.close();
      }
    });

    it('at the ceiling (API_MAX_JSON_DEPTH=1000) inventories are stored, processed and diffed', async () => {
      const deepest = await startTestMuster(await database.openAnother(), { ROLES: 'api', API_MAX_JSON_DEPTH: '1000' });
      try {
        const system = await t.createRegisteredSystem();
        const post = (body: string) =>
          deepest.muster.app.inject({
            method: 'POST',
            url: '/api/systems/inventory',
            headers: { authorization: system.basic, 'content-type': 'application/json' },
            payload: body,
          });
        assert.equal((await post(nestedObjects(1000, '1'))).statusCode, 202);
        deepest.clock.advance(1000);
        // The value at the bottom changes, and with it every level: a change 1000 levels down.
        assert.equal((await post(nestedObjects(1000, '2'))).statusCode, 202);
        deepest.clock.advance(1000);
        // The subtree under the top key becomes a scalar: the diff carries 999 levels of it.
        assert.equal((await post('{"a":1}')).statusCode, 202);
        assert.equal((await post(nestedObjects(1001))).statusCode, 400);
        assert.equal(await deepest.muster.inventory.process(system.id), 3);
        const records = (await inject('GET', `/api/v1/systems/${system.id}/inventory`)).json();
        assert.equal(records.total, 3);
        const diffs = (await inject('GET', `/api/v1/systems/${system.id}/inventory/diffs`)).json();
        assert.equal(diffs.total, 2);
      } finally {
        await deepest.close();
      }
    });

    it('a NUL in a header never reaches the database: Node.js refuses it on the wire', async () => {
      const system = await t.createRegisteredSystem();
      await t.muster.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.muster.app.server.address() as AddressInfo;
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
        socket.end(
          `POST /api/systems/backups HTTP/1.1\r\nHost: x\r\nAuthorization: ${system.basic}\r\nX-Filename: a\u0000.tar.gz\r\nContent-Type: x/y\u0000\r\nContent-Length: 1\r\n\r\nx`,
        );
      });
      assert.match(answer, /^HTTP\/1\.1 400 /);
      assert.equal((await inject('GET', `/api/v1/systems/${system.id}/backups`)).json().total, 0);
    });
  });
}
