import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { eventually } from '../../test/helpers/eventually.ts';
import { heldDb } from '../../test/helpers/faulty-db.ts';
import { useTestMuster } from '../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../test/helpers/test-databases.ts';

const inventoryOf = (bytes: number, tag: string) => JSON.stringify({ fqdn: `${tag}.example.com`, custom: { blob: 'x'.repeat(bytes) } });

const boundedMemory = (metrics: string, pool: string) => Number(new RegExp(`^muster_bounded_memory_bytes\\{pool="${pool}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);

/**
 * The in-flight ceiling: request bodies being read, parsed or waiting to be stored never take
 * more than API_MAX_IN_FLIGHT_SIZE; past it, 503 with Retry-After, and room again once answered.
 */
for (const kind of databaseKinds()) {
  describe(`request bodies in flight are bounded (${kind})`, () => {
    let held: ReturnType<typeof heldDb>;
    const { t } = useTestMuster(kind, {
      env: { ROLES: 'api', API_MAX_REQUEST_SIZE: '300KB', API_MAX_IN_FLIGHT_SIZE: '700KB' },
      // Inventory ingest waits behind a slow database until the test lets it through.
      db: (db) => (held = heldDb(db, /INSERT INTO inventory_uploads/)),
      beforeClose: () => held.release(),
    });

    it('refuses a body past the ceiling with 503 and Retry-After, and takes it again once room is made', async () => {
      const system = await t.createRegisteredSystem();
      const send = (tag: string, bytes = 250_000, headers: Record<string, string> = {}) =>
        t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/inventory',
          headers: { authorization: system.basic, 'content-type': 'application/json', ...headers },
          payload: inventoryOf(bytes, tag),
        });
      const first = send('first');
      const second = send('second');
      await eventually(() => t.muster.bodyBudget.used >= 500_000, 'two bodies held while waiting for the database');

      const refused = await send('third');
      assert.equal(refused.statusCode, 503, refused.body);
      assert.ok(Number(refused.headers['retry-after']) > 0);
      assert.match(refused.json().message, /in flight/);
      const chunked = await send('chunked', 250_000, { 'transfer-encoding': 'chunked' });
      assert.equal(chunked.statusCode, 503, 'a body without Content-Length is refused as it arrives');
      const declared = await t.admin.patch(`/api/v1/systems/${system.id}`, { labels: { big: 'x'.repeat(250_000) } });
      assert.equal(declared.statusCode, 503, 'a counted route refuses a declared length that cannot fit, before reading it');
      const small = await t.admin.patch(`/api/v1/systems/${system.id}`, { labels: { room: 'yes' } });
      assert.equal(small.statusCode, 200, 'a small body still fits');

      held.release();
      assert.equal((await first).statusCode, 202);
      assert.equal((await second).statusCode, 202);
      assert.equal(t.muster.bodyBudget.used, 0, 'released once answered');
      assert.equal((await send('fourth')).statusCode, 202);
      assert.equal(t.muster.bodyBudget.used, 0);

      const metrics = (await t.muster.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.equal(boundedMemory(metrics, 'request_bodies_in_flight'), 0);
      assert.match(metrics, /^muster_bounded_memory_limit_bytes\{pool="request_bodies_in_flight"\} 716800$/m);
    });

    it('releases what an aborted upload had reserved', async () => {
      const system = await t.createRegisteredSystem();
      await t.muster.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.muster.app.server.address() as AddressInfo;
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      // 300,000 bytes announced, 100,000 sent, then the client goes away.
      socket.write(
        `POST /api/systems/inventory HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${system.basic}\r\nContent-Type: application/json\r\nContent-Length: 300000\r\n\r\n`,
      );
      socket.write(`{"custom":"${'x'.repeat(100_000)}`);
      await eventually(() => t.muster.bodyBudget.used >= 100_000, 'the partial body to be counted');
      socket.destroy();
      await eventually(() => t.muster.bodyBudget.used === 0, 'the reservation to be released');
    });

    it('keeps heartbeats out of the count, with a small body limit of their own', async () => {
      const system = await t.createRegisteredSystem();
      const beat = (payload: string) =>
        t.muster.app.inject({
          method: 'POST',
          url: '/api/systems/heartbeat',
          headers: { authorization: system.basic, 'content-type': 'application/json' },
          payload,
        });
      assert.equal((await beat('{}')).statusCode, 200);
      const large = await beat(JSON.stringify({ padding: 'x'.repeat(70 * 1024) }));
      assert.equal(large.statusCode, 413);
      assert.equal(large.json().data.max_bytes, 64 * 1024);
    });
  });
}
