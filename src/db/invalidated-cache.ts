import { LRUCache } from 'lru-cache';
import { ServiceUnavailableError } from '../errors/errors.ts';
import type { Db } from './db.ts';

export interface InvalidatedCacheOptions<V extends object> {
  /** Entries at most; 0 keeps none. */
  size: number;
  /** An entry's lifetime, ±25 %; 0 keeps none. */
  ttlSeconds: number;
  /** What an entry is invalidated by (a system key, an API key id): one entry per owner. */
  ownerOf: (value: V) => string;
}

/**
 * Verified credentials cached by a digest of what was presented, dropped by owner on every node
 * when the owner changes (the owning feature NOTIFYs on its channel in the changing transaction),
 * and entirely when the notification link was lost. A read that started before an invalidation
 * cannot refill the cache: `fill` takes the `generation` read before it.
 */
export function createInvalidatedCache<V extends object>(options: InvalidatedCacheOptions<V>) {
  const ttlMs = options.ttlSeconds * 1000;
  // Owner → the digest cached for it, for invalidation.
  const digestByOwner = new Map<string, string>();
  const cache =
    ttlMs > 0 && options.size > 0
      ? new LRUCache<string, V>({
          max: options.size,
          ttl: ttlMs,
          ttlAutopurge: false,
          // Evicted, expired, replaced or deleted: forget the owner's pointer unless it moved on.
          dispose: (value, digest) => {
            if (digestByOwner.get(options.ownerOf(value)) === digest) digestByOwner.delete(options.ownerOf(value));
          },
        })
      : undefined;
  let generation = 0;

  function invalidate(owner: string): void {
    generation++;
    const digest = digestByOwner.get(owner);
    if (digest !== undefined) cache?.delete(digest);
  }

  function invalidateAll(): void {
    generation++;
    cache?.clear();
    digestByOwner.clear();
  }

  function fill(digest: string, value: V, readGeneration: number): void {
    if (!cache || readGeneration !== generation) return;
    const owner = options.ownerOf(value);
    const previous = digestByOwner.get(owner);
    if (previous !== undefined && previous !== digest) cache.delete(previous);
    // ±25 % jitter so entries filled together (after a restart) do not all expire together.
    cache.set(digest, value, { ttl: Math.round(ttlMs * (0.75 + Math.random() * 0.5)) });
    digestByOwner.set(owner, digest);
  }

  return {
    get: (digest: string): V | undefined => cache?.get(digest),

    /**
     * The value cached under `digest`, else what `read` finds in the database, cached then (unless
     * an invalidation came meanwhile). `read` answers null for credentials that do not verify
     * (unknown, revoked, a different secret): `refused()` is thrown. A failed read is a 503.
     */
    async getOrRead(digest: string, read: () => Promise<V | null>, refused: () => Error, options: { fresh?: boolean } = {}): Promise<V> {
      const hit = options.fresh ? undefined : cache?.get(digest);
      if (hit) return hit;
      const readGeneration = generation;
      let value: V | null;
      try {
        value = await read();
      } catch {
        throw new ServiceUnavailableError('authentication temporarily unavailable');
      }
      if (!value) throw refused();
      fill(digest, value, readGeneration);
      return value;
    },

    /** Bumped by every invalidation; read it before the database. */
    get generation(): number {
      return generation;
    },

    /** Caches `value` under `digest`, replacing its owner's previous entry, unless an invalidation came since `readGeneration`. */
    fill,

    invalidate,

    /** Whether `owner` has an entry now. */
    has: (owner: string): boolean => digestByOwner.has(owner),

    get size(): number {
      return cache?.size ?? 0;
    },

    /** Subscribes to the owners' invalidations from every node; call once at start-up. */
    listen: (db: Pick<Db, 'listen'>, channel: string): Promise<void> => db.listen(channel, invalidate, invalidateAll),
  };
}

export type InvalidatedCache<V extends object> = ReturnType<typeof createInvalidatedCache<V>>;
