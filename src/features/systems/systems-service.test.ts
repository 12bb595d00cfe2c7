import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createFakeDb, type FakeDb } from '../../../test/helpers/fake-db.ts';
import { ManualClock } from '../../clock/clock.ts';
import type { Sql } from '../../db/db.ts';
import type { Organization } from '../organizations/index.ts';
import { AUTH_INVALIDATION_CHANNEL, type SystemAuthenticator } from './system-authenticator.ts';
import { hashSecretPart, parseSystemSecret } from './system-credentials.ts';
import { createSystemsService } from './systems-service.ts';
import type { System, SystemCredentials, SystemsStore } from './systems-store.ts';

type StoredSystem = System & { secretPublic: string; secretSalt: string; secretHash: string };

const LIFECYCLE_FIELDS = { registered_at: 'registeredAt', suspended_at: 'suspendedAt', deleted_at: 'deletedAt' } as const;

function organization(name: string, isDefault: boolean): Organization {
  const at = new Date('2025-01-01T00:00:00Z');
  return { id: randomUUID(), name, isDefault, heartbeatTimeoutSeconds: null, heartbeatWarningSeconds: null, systemCount: 0, createdAt: at, updatedAt: at };
}

/** The systems table in memory; every write must run in the transaction open at the time. */
function createFakeSystemsStore(db: FakeDb, organizations: readonly Organization[]): { store: SystemsStore; rows: Map<string, StoredSystem> } {
  const rows = new Map<string, StoredSystem>();
  const row = (id: string): StoredSystem => rows.get(id) ?? assert.fail(`no system ${id}`);
  const inTransaction = (tx: Sql): void => assert.equal(tx, db.currentTransaction, 'runs in the open transaction');
  const toSystem = ({ secretPublic: _public, secretSalt: _salt, secretHash: _hash, ...system }: StoredSystem): System => structuredClone(system);
  const toCredentials = (stored: StoredSystem): SystemCredentials => ({
    id: stored.id,
    organizationId: stored.organizationId,
    systemKey: stored.systemKey,
    secretPublic: stored.secretPublic,
    secretSalt: stored.secretSalt,
    secretHash: stored.secretHash,
    registeredAt: stored.registeredAt,
    suspendedAt: stored.suspendedAt,
    deletedAt: stored.deletedAt,
    agentVersion: stored.agentVersion,
  });
  const notUsed = () => Promise.reject(new Error('not used by the service rules tested here'));
  const store: SystemsStore = {
    insert(tx, system, now) {
      inTransaction(tx);
      const id = randomUUID();
      const { name: organizationName } = organizations.find((candidate) => candidate.id === system.organizationId) ?? assert.fail('unknown organization');
      rows.set(id, {
        ...system,
        id,
        organizationName,
        source: null,
        externalId: null,
        status: 'unknown',
        lastHeartbeat: null,
        statusChangedAt: null,
        fqdn: null,
        ipv4Address: null,
        ipv6Address: null,
        version: null,
        os: null,
        agentVersion: null,
        agentVersionChangedAt: null,
        lastInventoryAt: null,
        registeredAt: null,
        suspendedAt: null,
        deletedAt: null,
        createdAt: now,
        updatedAt: now,
      });
      return Promise.resolve(id);
    },
    findById: (id) => Promise.resolve(rows.has(id) ? toSystem(row(id)) : null),
    findCredentialsByKey: (systemKey) => Promise.resolve([...rows.values()].filter((stored) => stored.systemKey === systemKey).map(toCredentials)[0] ?? null),
    findCredentialsBySecretPublic(tx, secretPublic) {
      inTransaction(tx);
      return Promise.resolve([...rows.values()].filter((stored) => stored.secretPublic === secretPublic).map(toCredentials)[0] ?? null);
    },
    lockById(tx, id) {
      inTransaction(tx);
      return Promise.resolve(rows.has(id) ? toCredentials(row(id)) : null);
    },
    update(tx, id, change, now) {
      inTransaction(tx);
      const stored = row(id);
      if (change.name !== undefined) stored.name = change.name;
      if (change.labels !== undefined) stored.labels = change.labels;
      stored.updatedAt = now;
      return Promise.resolve();
    },
    setSecret(tx, id, secret, now) {
      inTransaction(tx);
      Object.assign(row(id), secret, { updatedAt: now });
      return Promise.resolve();
    },
    setLifecycle(tx, id, column, value, now) {
      inTransaction(tx);
      Object.assign(row(id), { [LIFECYCLE_FIELDS[column]]: value, updatedAt: now });
      return Promise.resolve();
    },
    destroy(tx, id) {
      inTransaction(tx);
      rows.delete(id);
      return Promise.resolve();
    },
    list: notUsed,
    countByStatus: notUsed,
    countByType: notUsed,
    countByVersion: notUsed,
    countByAgentVersion: notUsed,
    setAgentVersion: notUsed,
    deleteSilent: notUsed,
    countLabels: notUsed,
    lockMany: notUsed,
  };
  return { store, rows };
}

function setUp() {
  const db = createFakeDb();
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const defaultOrganization = organization('Default', true);
  const otherOrganization = organization('Other', false);
  const organizations = [defaultOrganization, otherOrganization];
  const { store, rows } = createFakeSystemsStore(db, organizations);
  /** Each invalidation, with whether a transaction was still open when it came. */
  const invalidated: { systemKey: string; inTransaction: boolean }[] = [];
  const authenticator: SystemAuthenticator = {
    cached: () => undefined,
    authenticate: () => Promise.reject(new Error('not used')),
    invalidate: (systemKey) => void invalidated.push({ systemKey, inTransaction: db.currentTransaction !== null }),
    listen: () => Promise.resolve(),
    noteUserAgent: () => {},
    cachedEntries: 0,
  };
  const hookCalls: { hook: 'registered' | 'destroy'; systemId: string; at?: Date; inTransaction: boolean; rowPresent: boolean }[] = [];
  const hookCall = (hook: 'registered' | 'destroy', tx: Sql, systemId: string, at?: Date) => {
    hookCalls.push({ hook, systemId, ...(at ? { at } : {}), inTransaction: tx === db.currentTransaction, rowPresent: rows.has(systemId) });
    return Promise.resolve();
  };
  let hasDefault = true;
  const service = createSystemsService({
    db,
    store,
    organizations: {
      find: (id) => Promise.resolve(organizations.find((candidate) => candidate.id === id) ?? null),
      findDefault: () => Promise.resolve(hasDefault ? defaultOrganization : null),
    },
    authenticator,
    clock,
    systemKeyPrefix: 'TEST',
    onRegistered: (tx, systemId, at) => hookCall('registered', tx, systemId, at),
    onDestroy: (tx, systemId) => hookCall('destroy', tx, systemId),
  });
  /** The pg_notify statements sent, with whether each ran in a transaction. */
  const notifications = () =>
    db.statements
      .filter((statement) => statement.text.includes('pg_notify'))
      .map((statement) => ({ params: statement.params, inTransaction: statement.tx !== null }));
  return { service, db, clock, rows, invalidated, hookCalls, notifications, defaultOrganization, otherOrganization, removeDefault: () => (hasDefault = false) };
}

describe('systems service', () => {
  describe('create', () => {
    it('puts the system in the default organization when none is given, with an unregistered system key of the prefix', async () => {
      const { service, clock, defaultOrganization } = setUp();
      const { system } = await service.create({ name: 'edge-1' });
      assert.equal(system.organizationId, defaultOrganization.id);
      assert.equal(system.name, 'edge-1');
      assert.equal(system.type, null);
      assert.deepEqual(system.labels, {});
      assert.match(system.systemKey, /^TEST-[0-9A-F]{4}(-[0-9A-F]{4}){7}$/);
      assert.equal(system.registeredAt, null);
      assert.deepEqual(system.createdAt, clock.now());
    });

    it('puts it in the organization given, with its type and labels', async () => {
      const { service, otherOrganization } = setUp();
      const { system } = await service.create({ name: 'edge-1', organizationId: otherOrganization.id, type: 'router', labels: { site: 'north' } });
      assert.equal(system.organizationId, otherOrganization.id);
      assert.equal(system.type, 'router');
      assert.deepEqual(system.labels, { site: 'north' });
    });

    it('refuses an unknown organization, and the lack of a default one, storing nothing', async () => {
      const { service, rows, removeDefault } = setUp();
      await assert.rejects(service.create({ name: 'edge-1', organizationId: randomUUID() }), {
        statusCode: 400,
        data: { errors: [{ field: 'organization_id', message: 'does not exist' }] },
      });
      removeDefault();
      await assert.rejects(service.create({ name: 'edge-1' }), { statusCode: 400, message: /\(default\)/ });
      assert.equal(rows.size, 0);
    });

    it('leaves names free: a second system of the same name is another system', async () => {
      const { service } = setUp();
      const first = await service.create({ name: 'edge-1' });
      const second = await service.create({ name: 'edge-1' });
      assert.notEqual(second.system.id, first.system.id);
      assert.notEqual(second.system.systemKey, first.system.systemKey);
      assert.notEqual(second.secret, first.secret);
    });

    it('shows the secret once and keeps only its public part and a salted hash of the rest', async () => {
      const { service, rows } = setUp();
      const { system, secret } = await service.create({ name: 'edge-1' });
      const parsed = parseSystemSecret(secret) ?? assert.fail(`malformed secret ${secret}`);
      const stored = rows.get(system.id)!;
      assert.equal(stored.secretPublic, parsed.publicPart);
      assert.equal(stored.secretHash, hashSecretPart(parsed.secretPart, stored.secretSalt));
      assert.equal(JSON.stringify(stored).includes(parsed.secretPart), false, 'the secret part is not stored');
      assert.equal(JSON.stringify(await service.get(system.id)).includes(parsed.secretPart), false);
    });
  });

  describe('changes', () => {
    it('updates the name and labels given, keeping the others, without revoking credentials', async () => {
      const { service, clock, invalidated, notifications } = setUp();
      const { system } = await service.create({ name: 'edge-1', labels: { site: 'north' } });
      clock.advanceMinutes(5);
      const renamed = await service.update(system.id, { name: 'edge-2' });
      assert.equal(renamed.name, 'edge-2');
      assert.deepEqual(renamed.labels, { site: 'north' });
      assert.deepEqual(renamed.updatedAt, clock.now());
      assert.deepEqual((await service.update(system.id, { labels: {} })).labels, {});
      assert.deepEqual(invalidated, []);
      assert.deepEqual(notifications(), []);
    });

    it('answers NotFound for an unknown system, whatever the change', async () => {
      const { service } = setUp();
      const id = randomUUID();
      for (const change of [
        () => service.get(id),
        () => service.update(id, { name: 'x' }),
        () => service.regenerateSecret(id),
        () => service.suspend(id),
        () => service.reactivate(id),
        () => service.delete(id),
        () => service.restore(id),
        () => service.destroy(id),
      ]) {
        await assert.rejects(change(), { statusCode: 404 });
      }
    });

    it('suspends (once: the first time stays) and revokes credentials on every node, then reactivates without revoking', async () => {
      const { service, clock, invalidated, notifications } = setUp();
      const { system } = await service.create({ name: 'edge-1' });
      const suspendedAt = clock.now();
      assert.deepEqual((await service.suspend(system.id)).suspendedAt, suspendedAt);
      clock.advanceMinutes(1);
      assert.deepEqual((await service.suspend(system.id)).suspendedAt, suspendedAt);
      assert.deepEqual(invalidated, [
        { systemKey: system.systemKey, inTransaction: false },
        { systemKey: system.systemKey, inTransaction: false },
      ]);
      assert.deepEqual(notifications()[0], { params: [AUTH_INVALIDATION_CHANNEL, system.systemKey], inTransaction: true });
      assert.equal((await service.reactivate(system.id)).suspendedAt, null);
      assert.equal(invalidated.length, 2, 'reactivating revokes nothing');
      assert.equal((await service.reactivate(system.id)).suspendedAt, null, 'reactivating an active system changes nothing');
    });

    it('deletes (once) revoking credentials, and restores without revoking', async () => {
      const { service, clock, invalidated, notifications } = setUp();
      const { system } = await service.create({ name: 'edge-1' });
      const deletedAt = clock.now();
      assert.deepEqual((await service.delete(system.id)).deletedAt, deletedAt);
      clock.advanceMinutes(1);
      assert.deepEqual((await service.delete(system.id)).deletedAt, deletedAt);
      assert.deepEqual(
        invalidated.map((entry) => entry.systemKey),
        [system.systemKey, system.systemKey],
      );
      assert.equal(notifications().length, 2);
      assert.equal((await service.restore(system.id)).deletedAt, null);
      assert.equal((await service.restore(system.id)).deletedAt, null, 'restoring a system that is not deleted changes nothing');
      assert.equal(invalidated.length, 2, 'restoring revokes nothing');
    });

    it('refuses to update, suspend, reactivate or regenerate the secret of a deleted system, changing nothing', async () => {
      const { service, rows, invalidated } = setUp();
      const { system } = await service.create({ name: 'edge-1' });
      await service.delete(system.id);
      const before = structuredClone(rows.get(system.id));
      invalidated.length = 0;
      for (const change of [
        () => service.update(system.id, { name: 'x' }),
        () => service.suspend(system.id),
        () => service.reactivate(system.id),
        () => service.regenerateSecret(system.id),
      ]) {
        await assert.rejects(change(), { statusCode: 409, message: /deleted system; restore it first/ });
      }
      assert.deepEqual(rows.get(system.id), before);
      assert.deepEqual(invalidated, []);
    });

    it('regenerates the secret: the new one replaces the old, and cached credentials are dropped after the commit', async () => {
      const { service, rows, invalidated, notifications } = setUp();
      const { system, secret: old } = await service.create({ name: 'edge-1' });
      const { system: after, secret } = await service.regenerateSecret(system.id);
      assert.notEqual(secret, old);
      assert.equal(after.id, system.id);
      assert.equal(after.systemKey, system.systemKey, 'the system key stays');
      const parsed = parseSystemSecret(secret)!;
      const stored = rows.get(system.id)!;
      assert.equal(stored.secretPublic, parsed.publicPart);
      assert.equal(stored.secretHash, hashSecretPart(parsed.secretPart, stored.secretSalt));
      assert.deepEqual(invalidated, [{ systemKey: system.systemKey, inTransaction: false }]);
      assert.deepEqual(notifications(), [{ params: [AUTH_INVALIDATION_CHANNEL, system.systemKey], inTransaction: true }]);
    });

    it('destroys only a deleted system, running the onDestroy hook in the transaction before the rows go', async () => {
      const { service, rows, hookCalls, invalidated, notifications } = setUp();
      const { system } = await service.create({ name: 'edge-1' });
      await assert.rejects(service.destroy(system.id), { statusCode: 409, message: /only a deleted system/ });
      assert.deepEqual(hookCalls, []);
      assert.equal(rows.has(system.id), true);

      await service.delete(system.id);
      invalidated.length = 0;
      await service.destroy(system.id);
      assert.deepEqual(hookCalls, [{ hook: 'destroy', systemId: system.id, inTransaction: true, rowPresent: true }]);
      assert.equal(rows.has(system.id), false);
      assert.deepEqual(invalidated, [{ systemKey: system.systemKey, inTransaction: false }]);
      assert.deepEqual(notifications().at(-1), { params: [AUTH_INVALIDATION_CHANNEL, system.systemKey], inTransaction: true });
    });
  });

  describe('register', () => {
    it('trades the secret for the system key once, running onRegistered in the registering transaction', async () => {
      const { service, clock, rows, hookCalls } = setUp();
      const { system, secret } = await service.create({ name: 'edge-1' });
      clock.advanceMinutes(3);
      const registered = await service.register(secret);
      assert.deepEqual(registered, { systemKey: system.systemKey, registeredAt: clock.now() });
      assert.deepEqual(rows.get(system.id)!.registeredAt, clock.now());
      assert.deepEqual(hookCalls, [{ hook: 'registered', systemId: system.id, at: clock.now(), inTransaction: true, rowPresent: true }]);

      await assert.rejects(service.register(secret), { statusCode: 409, message: /already registered/ });
      assert.equal(hookCalls.length, 1);
    });

    it('refuses a malformed secret (400), and an unknown or wrong one alike (401)', async () => {
      const { service, hookCalls } = setUp();
      const { secret } = await service.create({ name: 'edge-1' });
      const parsed = parseSystemSecret(secret)!;
      for (const malformed of ['', 'secret', `my_${parsed.publicPart}`, `my_${parsed.publicPart}.short`, `xx_${parsed.publicPart}.${parsed.secretPart}`]) {
        await assert.rejects(service.register(malformed), { statusCode: 400, message: 'invalid system secret format' }, malformed);
      }
      const wrongSecretPart = `my_${parsed.publicPart}.${'0'.repeat(parsed.secretPart.length)}`;
      const unknownPublicPart = `my_${'0'.repeat(parsed.publicPart.length)}.${parsed.secretPart}`;
      for (const wrong of [wrongSecretPart, unknownPublicPart]) {
        await assert.rejects(service.register(wrong), { statusCode: 401, message: 'invalid system secret' }, wrong);
      }
      assert.deepEqual(hookCalls, []);
    });

    it('refuses a deleted system (403) but registers a suspended one', async () => {
      const { service, hookCalls } = setUp();
      const deleted = await service.create({ name: 'edge-1' });
      await service.delete(deleted.system.id);
      await assert.rejects(service.register(deleted.secret), { statusCode: 403, message: /deleted/ });
      assert.deepEqual(hookCalls, []);

      const suspended = await service.create({ name: 'edge-2' });
      await service.suspend(suspended.system.id);
      assert.equal((await service.register(suspended.secret)).systemKey, suspended.system.systemKey);
    });

    it('checks the secret before telling whether the system is deleted or registered', async () => {
      const { service } = setUp();
      const { system, secret } = await service.create({ name: 'edge-1' });
      await service.register(secret);
      await service.delete(system.id);
      const parsed = parseSystemSecret(secret)!;
      await assert.rejects(service.register(`my_${parsed.publicPart}.${'0'.repeat(parsed.secretPart.length)}`), { statusCode: 401 });
    });
  });
});
