import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFakeDb } from '../../../test/helpers/fake-db.ts';
import { ManualClock } from '../../clock/clock.ts';
import type { Sql } from '../../db/db.ts';
import { ConflictError, NotFoundError } from '../../errors/errors.ts';
import { createMembersService } from './members-service.ts';
import type { Member, MembersStore, Role } from './members-store.ts';
import type { User } from './users-store.ts';

const ORGANIZATION = 'org-1';

/** Memberships in a map; records which calls ran in which transaction. */
function fakeMembersStore(db: ReturnType<typeof createFakeDb>) {
  const rows = new Map<string, Member>();
  const calls: { call: string; tx: Sql | null }[] = [];
  const key = (organizationId: string, userId: string) => `${organizationId}/${userId}`;
  const store: MembersStore = {
    find: (organizationId, userId) => Promise.resolve(rows.get(key(organizationId, userId)) ?? null),
    list: () => Promise.reject(new Error('not used')),
    lockOwners(tx, scope) {
      calls.push({ call: 'lockOwners', tx });
      assert.equal(tx, db.currentTransaction);
      const owners = [...rows.values()].filter((member) => member.role === 'owner');
      const inScope = 'organizationId' in scope ? owners.filter((owner) => owner.organizationId === scope.organizationId) : owners;
      return Promise.resolve(inScope.map(({ organizationId, userId }) => ({ organizationId, userId })));
    },
    upsert(tx, organizationId, userId, role: Role, now) {
      calls.push({ call: 'upsert', tx });
      assert.equal(tx, db.currentTransaction);
      const existing = rows.get(key(organizationId, userId));
      rows.set(key(organizationId, userId), {
        organizationId,
        userId,
        role,
        email: `${userId}@example.com`,
        name: userId,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      });
      return Promise.resolve();
    },
    delete(tx, organizationId, userId) {
      calls.push({ call: 'delete', tx });
      assert.equal(tx, db.currentTransaction);
      return Promise.resolve(rows.delete(key(organizationId, userId)));
    },
  };
  return { store, rows, calls };
}

function setUp() {
  const db = createFakeDb();
  const members = fakeMembersStore(db);
  const user = (id: string) => ({ id }) as User;
  const service = createMembersService({
    db,
    clock: new ManualClock(),
    members: members.store,
    users: {
      findById: (id) => Promise.resolve(id.startsWith('user-') ? user(id) : null),
      findByEmail: () => Promise.reject(new Error('not used here')),
      insert: () => Promise.reject(new Error('not used here')),
    },
    invitations: { insert: () => Promise.reject(new Error('not used here')) },
    organizations: { find: (id) => Promise.resolve(id === ORGANIZATION ? ({ id } as never) : null) },
    invitationTtlHours: 72,
  });
  return { service, members };
}

describe('members service', () => {
  it('answers 404 when the user is deleted between its lookup and the insert (foreign key violation)', async () => {
    const { service, members } = setUp();
    members.store.upsert = () => Promise.reject(Object.assign(new Error('insert or update violates foreign key constraint'), { code: '23503' }));
    await assert.rejects(service.put(ORGANIZATION, 'user-a', 'viewer'), NotFoundError);
  });

  it('tells a new membership from a changed one', async () => {
    const { service } = setUp();
    assert.equal((await service.put(ORGANIZATION, 'user-a', 'viewer')).created, true);
    const changed = await service.put(ORGANIZATION, 'user-a', 'operator');
    assert.equal(changed.created, false);
    assert.equal(changed.member.role, 'operator');
  });

  it('locks the owners in the transaction before it writes, and keeps the last one', async () => {
    const { service, members } = setUp();
    await service.put(ORGANIZATION, 'user-a', 'owner');
    assert.deepEqual(
      members.calls.map(({ call }) => call),
      ['lockOwners', 'upsert'],
    );
    assert.equal(members.calls[0]!.tx, members.calls[1]!.tx);

    await assert.rejects(service.put(ORGANIZATION, 'user-a', 'admin'), ConflictError);
    await assert.rejects(service.remove(ORGANIZATION, 'user-a'), ConflictError);
    assert.equal(members.rows.get(`${ORGANIZATION}/user-a`)?.role, 'owner');

    await service.put(ORGANIZATION, 'user-b', 'owner');
    await service.remove(ORGANIZATION, 'user-a');
    assert.deepEqual([...members.rows.keys()], [`${ORGANIZATION}/user-b`]);
  });

  it('answers 404 for an unknown organization, user or membership', async () => {
    const { service } = setUp();
    await assert.rejects(service.put('org-2', 'user-a', 'viewer'), NotFoundError);
    await assert.rejects(service.put(ORGANIZATION, 'nobody', 'viewer'), NotFoundError);
    await assert.rejects(service.remove(ORGANIZATION, 'user-a'), NotFoundError);
  });
});
