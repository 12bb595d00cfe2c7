import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Db } from '../../db/db.ts';
import { AppError } from '../../errors/errors.ts';
import { generateSystemSecret, verifySystemSecret, type StoredSecret } from './system-credentials.ts';
import { AUTH_INVALIDATION_CHANNEL, createSystemAuthenticator } from './system-authenticator.ts';
import type { SystemCredentials, SystemsStore } from './systems-store.ts';

const SYSTEM_KEY = 'NETH-0123-4567-89AB-CDEF-0123-4567-89AB-CDEF';

function basic(user: string, password: string, scheme = 'Basic'): string {
  return `${scheme} ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** One registered system in a fake store that counts its reads, and a db that hands out the invalidation listener. */
function setUp(cacheTtlSeconds = 600, verifySecret?: typeof verifySystemSecret, failureFloorMs = 0) {
  const generated = generateSystemSecret();
  const credentials: SystemCredentials = {
    id: '00000000-0000-4000-8000-000000000001',
    organizationId: '00000000-0000-4000-8000-000000000002',
    systemKey: SYSTEM_KEY,
    secretPublic: generated.publicPart,
    secretSalt: generated.salt,
    secretHash: generated.hash,
    registeredAt: new Date(0),
    suspendedAt: null,
    deletedAt: null,
    agentVersion: '1.2.3',
  };
  let reads = 0;
  const store = {
    findCredentialsByKey: (systemKey: string) => {
      reads++;
      return Promise.resolve(systemKey === credentials.systemKey ? { ...credentials } : null);
    },
  } as unknown as SystemsStore;
  const listeners: { onMessage: (payload: string) => void; onReconnect?: (() => void) | undefined }[] = [];
  const db = {
    listen: (channel: string, onMessage: (payload: string) => void, onReconnect?: () => void) => {
      assert.equal(channel, AUTH_INVALIDATION_CHANNEL);
      listeners.push({ onMessage, onReconnect });
      return Promise.resolve();
    },
  } as unknown as Db;
  const authenticator = createSystemAuthenticator({
    db,
    store,
    systemKeyPrefix: 'NETH',
    cacheTtlSeconds,
    cacheSize: 100,
    failureFloorMs,
    ...(verifySecret ? { verifySecret } : {}),
  });
  return { authenticator, credentials, secret: generated.secret, reads: () => reads, listeners };
}

async function statusOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error.statusCode;
  }
}

describe('system authenticator cache', () => {
  it('admits a repeated header from the cache, without reading the database again', async () => {
    const { authenticator, credentials, secret, reads } = setUp();
    const header = basic(SYSTEM_KEY, secret);
    assert.equal(authenticator.cached(header), undefined, 'nothing cached before a verification');
    // With the agent version stored for it, so that the agent's next requests need not write it.
    assert.deepEqual(await authenticator.authenticate(header), {
      id: credentials.id,
      organizationId: credentials.organizationId,
      systemKey: SYSTEM_KEY,
      agentVersion: '1.2.3',
    });
    assert.equal(reads(), 1);
    assert.equal(authenticator.cached(header)?.id, credentials.id);
    assert.equal((await authenticator.authenticate(header)).id, credentials.id);
    assert.equal(reads(), 1);
    assert.equal(authenticator.cachedEntries, 1);
  });

  it('never admits a different secret from the cache', async () => {
    const { authenticator, secret, reads } = setUp();
    await authenticator.authenticate(basic(SYSTEM_KEY, secret));
    const wrong = basic(SYSTEM_KEY, `${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`);
    assert.equal(authenticator.cached(wrong), undefined);
    assert.equal(await statusOf(authenticator.authenticate(wrong)), 401);
    assert.equal(reads(), 2, 'the wrong secret was checked against the database');
    assert.equal(authenticator.cachedEntries, 1, 'and not cached');
  });

  it('keeps one header per system key: another spelling of the same credentials replaces it', async () => {
    const { authenticator, secret } = setUp();
    const canonical = basic(SYSTEM_KEY, secret);
    const lowerCase = basic(SYSTEM_KEY, secret, 'basic');
    await authenticator.authenticate(canonical);
    await authenticator.authenticate(lowerCase);
    assert.equal(authenticator.cachedEntries, 1);
    assert.equal(authenticator.cached(canonical), undefined);
    assert.ok(authenticator.cached(lowerCase));
    // Invalidation still finds the entry through its key.
    authenticator.invalidate(SYSTEM_KEY);
    assert.equal(authenticator.cached(lowerCase), undefined);
    assert.equal(authenticator.cachedEntries, 0);
  });

  it('drops the entry on invalidation, so a suspended system is refused at once', async () => {
    const { authenticator, credentials, secret, reads, listeners } = setUp();
    await authenticator.listen();
    const header = basic(SYSTEM_KEY, secret);
    await authenticator.authenticate(header);
    credentials.suspendedAt = new Date();
    // What another node's NOTIFY delivers.
    listeners[0]!.onMessage(SYSTEM_KEY);
    assert.equal(authenticator.cached(header), undefined);
    assert.equal(await statusOf(authenticator.authenticate(header)), 401);
    assert.equal(reads(), 2);
  });

  it('does not cache a verification whose database read started before an invalidation', async () => {
    const { authenticator, secret } = setUp();
    const header = basic(SYSTEM_KEY, secret);
    const pending = authenticator.authenticate(header);
    authenticator.invalidate(SYSTEM_KEY);
    await pending;
    assert.equal(authenticator.cached(header), undefined);
    assert.equal(authenticator.cachedEntries, 0);
  });

  it('clears everything when the notification link was lost', async () => {
    const { authenticator, secret, listeners } = setUp();
    await authenticator.listen();
    const header = basic(SYSTEM_KEY, secret);
    await authenticator.authenticate(header);
    listeners[0]!.onReconnect!();
    assert.equal(authenticator.cached(header), undefined);
    assert.equal(authenticator.cachedEntries, 0);
    // And a later verification is cached again under its key.
    await authenticator.authenticate(header);
    authenticator.invalidate(SYSTEM_KEY);
    assert.equal(authenticator.cachedEntries, 0);
  });

  it('caches nothing when the TTL is 0', async () => {
    const { authenticator, secret, reads } = setUp(0);
    const header = basic(SYSTEM_KEY, secret);
    await authenticator.authenticate(header);
    await authenticator.authenticate(header);
    assert.equal(authenticator.cached(header), undefined);
    assert.equal(reads(), 2);
  });
});

describe('system authenticator timing', () => {
  // Not a timed test: it shows that every failure after the database lookup does the same work,
  // one secret verification (against a decoy when there is no system), so how long a 401 takes
  // does not tell whether the key exists (bench/auth-timing.ts measures it).
  it('verifies the secret once for every failure, unknown keys included', async () => {
    const checked: (StoredSecret | null)[] = [];
    const spy: typeof verifySystemSecret = (presented, stored) => {
      checked.push(stored);
      return verifySystemSecret(presented, stored);
    };
    const { authenticator, credentials, secret } = setUp(0, spy);
    const unknownKey = SYSTEM_KEY.replace(/.$/, (c) => (c === 'F' ? 'E' : 'F'));
    const wrongSecret = `${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`;
    const attempts: [string, () => void][] = [
      ['unknown key', () => undefined],
      ['wrong secret', () => undefined],
      ['not registered', () => (credentials.registeredAt = null)],
      ['suspended', () => (credentials.suspendedAt = new Date(0))],
      ['deleted', () => (credentials.deletedAt = new Date(0))],
    ];
    for (const [what, prepare] of attempts) {
      prepare();
      const header = what === 'unknown key' ? basic(unknownKey, secret) : what === 'wrong secret' ? basic(SYSTEM_KEY, wrongSecret) : basic(SYSTEM_KEY, secret);
      const before = checked.length;
      assert.equal(await statusOf(authenticator.authenticate(header)), 401, what);
      assert.equal(checked.length, before + 1, `${what}: the secret was verified`);
      Object.assign(credentials, { registeredAt: new Date(0), suspendedAt: null, deletedAt: null });
    }
    assert.equal(checked[0], null, 'an unknown key is verified against the decoy');
    assert.equal(await statusOf(authenticator.authenticate(basic(SYSTEM_KEY, secret))), 200);
  });

  it('answers a failure that reached the database no sooner than the failure floor, and valid credentials at once', async () => {
    const floor = 40;
    const { authenticator, secret } = setUp(0, undefined, floor);
    const unknownKey = SYSTEM_KEY.replace(/.$/, (c) => (c === 'F' ? 'E' : 'F'));
    const wrongSecret = `${secret.slice(0, -1)}${secret.endsWith('0') ? '1' : '0'}`;
    for (const header of [basic(unknownKey, secret), basic(SYSTEM_KEY, wrongSecret)]) {
      const started = performance.now();
      assert.equal(await statusOf(authenticator.authenticate(header)), 401);
      // Timers may fire up to a millisecond early; a lower bound only, never a speed goal.
      assert.ok(performance.now() - started >= floor - 1, 'not answered before the floor');
    }
    const started = performance.now();
    assert.equal(await statusOf(authenticator.authenticate(basic(SYSTEM_KEY, secret))), 200);
    assert.ok(performance.now() - started < floor, 'valid credentials are not delayed');
  });
});
