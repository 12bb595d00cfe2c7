/**
 * A small seeded PRNG (mulberry32) with the helpers the inventory generator needs.
 * Same seed, same calls → same values, on every machine.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
  /** An integer in [min, max]. */
  between(min: number, max: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Shuffles in place and returns the same array. */
  shuffle<T>(items: T[]): T[];
  hex(length: number): string;
  uuid(): string;
  mac(prefix?: string): string;
}

export function createRandom(seed: number): Random {
  // Spread nearby seeds (1, 2, 3…) apart before the first draw.
  let state = Math.imul((Math.trunc(seed) ^ 0x9e3779b9) >>> 0, 0x85ebca6b) >>> 0;

  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (maxExclusive: number): number => Math.floor(next() * maxExclusive);
  const hex = (length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += HEX_DIGITS[int(16)];
    return out;
  };

  return {
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: (probability) => next() < probability,
    pick<T>(items: readonly T[]): T {
      const item = items[int(items.length)];
      if (item === undefined) throw new Error('pick() needs a non-empty list');
      return item;
    },
    shuffle<T>(items: T[]): T[] {
      for (let i = items.length - 1; i > 0; i--) {
        const j = int(i + 1);
        const held = items[i] as T;
        items[i] = items[j] as T;
        items[j] = held;
      }
      return items;
    },
    hex,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${HEX_DIGITS[8 + int(4)]}${hex(3)}-${hex(12)}`,
    mac: (prefix = '52:54:00') => `${prefix}:${hex(2)}:${hex(2)}:${hex(2)}`,
  };
}

const HEX_DIGITS = '0123456789abcdef';
