import { LRUCache } from 'lru-cache';

/**
 * Parsed JavaScript objects take more memory than their JSON text: measured from about 1× for
 * long strings and ordinary inventories to 3.3× for objects with hundreds of thousands of
 * small keys. Caches count the worst case so that their ceiling holds whatever is sent.
 */
const PARSED_BYTES_PER_JSON_BYTE = 3.5;

/** The memory a snapshot of this many JSON bytes is counted for once parsed. */
export function parsedSizeOf(jsonBytes: number): number {
  return Math.ceil(Math.max(1, jsonBytes) * PARSED_BYTES_PER_JSON_BYTE);
}

/**
 * A least-recently-used cache of parsed snapshots bounded by their estimated size in bytes
 * (each `set` gives `{ size: parsedSizeOf(bytes) }`), never by count: a few huge snapshots
 * cannot take more than `maxBytes`, and one larger than all of it is not kept. `maxBytes` 0
 * keeps nothing.
 */
export function createSnapshotCache<K extends string, V extends object>(maxBytes: number): LRUCache<K, V> {
  const maxSize = Math.max(1, Math.floor(maxBytes));
  return new LRUCache<K, V>({ maxSize, maxEntrySize: maxSize });
}
