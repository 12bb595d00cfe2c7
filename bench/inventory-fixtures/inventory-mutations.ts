/**
 * What changes between two inventories of the same system, and the JSON plumbing for it.
 * Every mutation changes exactly one leaf or adds/removes exactly one member (a service, a
 * module, a zone), except `reorder`, which changes no value at all: keyed by their
 * identifiers, the reordered elements are the same (SPEC §5 paths).
 */
import type { Random } from './random.ts';

export type JsonObject = Record<string, unknown>;

export type MutationKind = 'version' | 'counter' | 'membership' | 'address' | 'toggle' | 'reorder';

/** Applies one change of its kind to `inventory` in place; false when nothing fits. */
export type Mutation = (inventory: JsonObject, random: Random) => boolean;

export type MutationSet = Readonly<Record<MutationKind, Mutation>>;

const KINDS: readonly MutationKind[] = ['version', 'counter', 'membership', 'address', 'toggle', 'reorder'];

/** Most rounds change one or two things; a few change up to five. */
const ROUND_SIZES: readonly number[] = [1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5];

/** Fields naming an element of an array of objects, in the order SPEC §5 prefers them. */
export const IDENTIFIER_KEYS: readonly string[] = ['id', 'name', 'section', 'server', 'ui_name'];

/** A deep copy of `previous` with 1–5 mutations, at least one of which changes a value. */
export function mutateInventory(previous: JsonObject, mutations: MutationSet, random: Random): JsonObject {
  const next = cloneJson(previous);
  const wanted = random.pick(ROUND_SIZES);
  let applied = 0;
  let valueChanges = 0;
  for (const kind of random.shuffle([...KINDS])) {
    if (applied >= wanted && valueChanges > 0) break;
    if (!mutations[kind](next, random)) continue;
    applied++;
    if (kind !== 'reorder') valueChanges++;
  }
  return next;
}

export function cloneJson<T>(value: T): T {
  return cloneValue(value) as T;
}

function cloneValue(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneValue);
  const copy: JsonObject = {};
  for (const key of Object.keys(value)) copy[key] = cloneValue((value as JsonObject)[key]);
  return copy;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(root: unknown, ...keys: string[]): JsonObject | undefined {
  let current = root;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return isObject(current) ? current : undefined;
}

export function arrayAt(root: unknown, ...keys: string[]): unknown[] | undefined {
  const parent = objectAt(root, ...keys.slice(0, -1));
  const value = parent?.[keys.at(-1) ?? ''];
  return Array.isArray(value) ? value : undefined;
}

export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * Calls `addOne` (which appends one item and returns its approximate serialized size, or
 * null when it has nothing left) until `document` serializes to at least `targetBytes`.
 * Sizes are estimated between two real measurements, so building stays cheap.
 */
export function growTo(document: unknown, targetBytes: number, addOne: () => number | null): number {
  let size = jsonBytes(document);
  for (let pass = 0; pass < 4 && size < targetBytes; pass++) {
    let estimate = size;
    while (estimate < targetBytes) {
      const added = addOne();
      if (added === null) return jsonBytes(document);
      estimate += added;
    }
    size = jsonBytes(document);
  }
  return size;
}

/** The serialized size an element adds to an array. */
export function elementBytes(value: unknown): number {
  return JSON.stringify(value).length + 1;
}

/** The serialized size a member adds to an object. */
export function memberBytes(key: string, value: unknown): number {
  return key.length + 4 + JSON.stringify(value).length;
}

export interface Leaf {
  container: JsonObject | unknown[];
  key: string | number;
  value: unknown;
}

/** Leaves (non-container values) under `root` whose key and value `accept`. */
export function collectLeaves(root: unknown, accept: (key: string, value: unknown) => boolean): Leaf[] {
  const leaves: Leaf[] = [];
  const visit = (container: JsonObject | unknown[], key: string | number, value: unknown) => {
    if (Array.isArray(value)) value.forEach((item, index) => visit(value, index, item));
    else if (isObject(value)) for (const child of Object.keys(value)) visit(value, child, value[child]);
    else if (accept(String(key), value)) leaves.push({ container, key, value });
  };
  if (Array.isArray(root)) root.forEach((item, index) => visit(root, index, item));
  else if (isObject(root)) for (const key of Object.keys(root)) visit(root, key, root[key]);
  return leaves;
}

export function setLeaf(leaf: Leaf, value: unknown): void {
  if (Array.isArray(leaf.container)) leaf.container[leaf.key as number] = value;
  else leaf.container[String(leaf.key)] = value;
}

/** A patch release most of the time, now and then a minor one. */
export function bumpVersion(version: string, random: Random): string | null {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(version);
  if (!match) return null;
  const [, major = '0', minor = '0', patch, rest = ''] = match;
  if (patch === undefined || random.chance(0.15)) {
    return `${major}.${Number(minor) + 1}${patch === undefined ? '' : '.0'}${rest}`;
  }
  return `${major}.${minor}.${Number(patch) + 1}${rest}`;
}

/** Bumps one `version` leaf under `root`. */
export function bumpOneVersion(root: unknown, random: Random): boolean {
  const leaves = collectLeaves(root, (key, value) => key === 'version' && typeof value === 'string' && /^\d+\.\d+/.test(value));
  if (leaves.length === 0) return false;
  const leaf = random.pick(leaves);
  const bumped = bumpVersion(leaf.value as string, random);
  if (bumped === null || bumped === leaf.value) return false;
  setLeaf(leaf, bumped);
  return true;
}

/**
 * Moves one numeric counter or measurement: uptimes and timestamps only grow, byte
 * figures drift by a few percent, counts move by one.
 */
export function moveOneCounter(root: unknown, random: Random, accept: (key: string) => boolean): boolean {
  // A zero byte figure is an absent swap or an empty disk: it does not drift.
  const leaves = collectLeaves(root, (key, value) => typeof value === 'number' && Number.isFinite(value) && accept(key) && !(value === 0 && /bytes/.test(key)));
  if (leaves.length === 0) return false;
  const leaf = random.pick(leaves);
  const current = leaf.value as number;
  const key = String(leaf.key);
  let next: number;
  if (/uptime|seconds|timestamp|_date$/.test(key)) next = current + random.between(300, 21_600);
  else if (/bytes/.test(key)) next = Math.max(0, current + Math.round(current * (random.next() - 0.5) * 0.08));
  else next = current > 0 && random.chance(0.5) ? current - 1 : current + 1;
  if (next === current) next = current + 1;
  setLeaf(leaf, next);
  return true;
}

/** Flips one boolean leaf whose key `accept`s. */
export function toggleOneFlag(root: unknown, random: Random, accept: (key: string) => boolean = (key) => key === 'enabled'): boolean {
  const leaves = collectLeaves(root, (key, value) => typeof value === 'boolean' && accept(key));
  if (leaves.length === 0) return false;
  const leaf = random.pick(leaves);
  setLeaf(leaf, !(leaf.value as boolean));
  return true;
}

/** Gives one IPv4 leaf whose key `accept`s (and whose value `keep` does not protect) a new last octet. */
export function readdressOne(root: unknown, random: Random, accept: (key: string) => boolean, keep: (address: string) => boolean = () => false): boolean {
  const leaves = collectLeaves(root, (key, value) => accept(key) && typeof value === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(value));
  const movable = leaves.filter((leaf) => !keep(leaf.value as string));
  const candidates = movable.length > 0 ? movable : leaves;
  if (candidates.length === 0) return false;
  const leaf = random.pick(candidates);
  const octets = (leaf.value as string).split('.');
  const last = Number(octets[3]);
  let octet = random.between(2, 253);
  if (octet === last) octet = octet + 1;
  setLeaf(leaf, `${octets.slice(0, 3).join('.')}.${octet}`);
  return true;
}

/** The identifier field shared, uniquely, by every element of an array of objects. */
export function identifierOf(items: readonly unknown[]): string | null {
  if (items.length === 0 || !items.every(isObject)) return null;
  for (const key of IDENTIFIER_KEYS) {
    const seen = new Set<unknown>();
    const usable = items.every((item) => {
      const id = item[key];
      if ((typeof id !== 'string' && typeof id !== 'number') || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    if (usable) return key;
  }
  return null;
}

/** Shuffles one array of identified objects under `root` into a different order. */
export function reorderOneList(root: unknown, random: Random): boolean {
  const lists: unknown[][] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      if (value.length >= 2 && identifierOf(value) !== null) lists.push(value);
      value.forEach(visit);
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) visit(value[key]);
    }
  };
  visit(root);
  if (lists.length === 0) return false;
  const list = random.pick(lists);
  const before = [...list];
  random.shuffle(list);
  if (list.every((item, index) => item === before[index])) list.push(list.shift());
  return true;
}
