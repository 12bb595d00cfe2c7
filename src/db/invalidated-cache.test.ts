import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createInvalidatedCache } from './invalidated-cache.ts';

const cacheOf = (size = 10, ttlSeconds = 60) => createInvalidatedCache<{ owner: string }>({ size, ttlSeconds, ownerOf: (value) => value.owner });

describe('invalidated cache', () => {
  it('drops an owner’s entry on invalidation, and keeps one entry per owner', () => {
    const cache = cacheOf();
    cache.fill('d1', { owner: 'a' }, cache.generation);
    cache.fill('d2', { owner: 'a' }, cache.generation);
    assert.equal(cache.get('d1'), undefined);
    assert.deepEqual(cache.get('d2'), { owner: 'a' });
    cache.invalidate('a');
    assert.equal(cache.get('d2'), undefined);
    assert.equal(cache.has('a'), false);
  });

  it('refuses a fill whose read began before an invalidation', () => {
    const cache = cacheOf();
    const readGeneration = cache.generation;
    cache.invalidate('a');
    cache.fill('d1', { owner: 'a' }, readGeneration);
    assert.equal(cache.get('d1'), undefined);
  });

  it('drops everything when the notification link was lost', async () => {
    const cache = cacheOf();
    let reconnect: (() => void) | undefined;
    await cache.listen({ listen: (_channel, _onMessage, onReconnect) => Promise.resolve(void (reconnect = onReconnect)) }, 'channel');
    cache.fill('d1', { owner: 'a' }, cache.generation);
    reconnect!();
    assert.equal(cache.size, 0);
  });

  it('keeps nothing with size or lifetime 0', () => {
    for (const cache of [cacheOf(0, 60), cacheOf(10, 0)]) {
      cache.fill('d1', { owner: 'a' }, cache.generation);
      assert.equal(cache.get('d1'), undefined);
    }
  });
});
