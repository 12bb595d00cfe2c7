/**
 * Bodies too large to keep as files, built on demand: the fuzz corpus names them
 * (`"generate": "nested-objects", "depth": 20000`) and the hostile-input tests call them.
 */

/** `{"a":{"a":…1…}}`: an object `depth` levels deep (the top-level object is level 1). */
export function nestedObjects(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** `[[[…]]]`: arrays `depth` levels deep. */
export function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** An object with `count` small members: `{"k0":0,"k1":1,…}`. */
export function manyMembers(count: number): string {
  return `{${Array.from({ length: count }, (_, index) => `"k${index}":${index}`).join(',')}}`;
}

/** An object holding one string of `length` characters. */
export function longString(length: number): string {
  return `{"s":"${'x'.repeat(length)}"}`;
}

export const GENERATORS = {
  'nested-objects': (size: number) => nestedObjects(size),
  'nested-arrays': (size: number) => nestedArrays(size),
  'many-members': (size: number) => manyMembers(size),
  'long-string': (size: number) => longString(size),
} as const;

export type GeneratorName = keyof typeof GENERATORS;
