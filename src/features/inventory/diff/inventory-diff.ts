import { canonicalJson } from './canonical-json.ts';
import { appendKey, identifierSegment, indexSegment, isValidIdentifierKey, valueSegment, type ScalarValue } from './field-path.ts';
import type { ChangeType } from '../../../domain/changes.ts';

/**
 * The changes between two inventory snapshots, one per changed field, named by the paths of
 * field-path.ts and listed in path order (UTF-16 code units), so the same pair always gives
 * the same list.
 *
 * - A key present on one side only is one change at that key, carrying the whole subtree:
 *   `create` (previous null) or `delete` (current null). A property whose value is undefined
 *   counts as absent, as in JSON.
 * - A value whose kind changes (object, array, scalar) is one `update` carrying both values.
 * - Arrays of objects are matched by the first identifier field (`identifierKeys`, in order)
 *   that every element on both sides holds as a string or number, unique on each side:
 *   `modules[id=mail1]`. Reordering such an array changes nothing. Without one, elements are
 *   matched by position: `pci[2]`.
 * - Arrays of scalars are compared as sets: reordering changes nothing, a value that appears is
 *   a `create` at `path[=value]`, one that disappears a `delete` there. When a side repeats a
 *   value and the multisets differ, the array is reported whole as one `update` at its own
 *   path, since per-value changes could not say how many copies came or went.
 * - Arrays that mix kinds are matched by position.
 *
 * Limits are reported, never applied silently (see DiffLimitReport).
 */

export interface FieldChange {
  path: string;
  type: ChangeType;
  /** The value before; null for a create. Shares structure with the input: do not mutate. */
  previous: unknown;
  /** The value after; null for a delete. */
  current: unknown;
}

export interface DiffOptions {
  /**
   * Most segments a change path can have. A container at this depth is not descended into: if
   * it differs at all it is reported whole as one `update`, and the report says so.
   */
  maxDepth?: number;
  /** Most changes returned. Beyond it the changes after the first maxChanges (in path order) are dropped and counted. */
  maxChanges?: number;
  /** Fields that name array elements, tried in order. */
  identifierKeys?: readonly string[];
}

/**
 * Why a result is not the full, field-by-field list. Plain JSON, to be stored with the record
 * and shown beside its changes.
 */
export interface DiffLimitReport {
  /** `max_changes` when changes were dropped (even if max_depth was also reached), else `max_depth`. */
  reason: 'max_depth' | 'max_changes';
  /** The value of the limit named by `reason`. */
  limit: number;
  /** max_changes: the first change left out. max_depth: the first subtree reported whole. */
  path: string;
  /** Changes left out (0 for max_depth). */
  omitted: number;
  /** Subtrees at maxDepth reported whole as one update each; they are among the changes. */
  collapsed: number;
}

export interface DiffResult {
  changes: FieldChange[];
  limited: DiffLimitReport | null;
}

export const DEFAULT_IDENTIFIER_KEYS: readonly string[] = Object.freeze([
  'id',
  'name',
  'ui_name',
  'server',
  'uuid',
  'key',
  'hostname',
  'module_id',
  'instance',
]);
export const DEFAULT_MAX_DEPTH = 32;
export const DEFAULT_MAX_CHANGES = 5000;
/** Bounds the recursion; no inventory nests anywhere near this deep. */
const MAX_DEPTH_CEILING = 1000;

type Json = Record<string, unknown>;

interface Walk {
  readonly maxDepth: number;
  readonly identifierKeys: readonly string[];
  readonly changes: FieldChange[];
  readonly collapsed: string[];
}

export function diffInventories(previous: unknown, current: unknown, options: DiffOptions = {}): DiffResult {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxChanges = options.maxChanges ?? DEFAULT_MAX_CHANGES;
  const identifierKeys = options.identifierKeys ?? DEFAULT_IDENTIFIER_KEYS;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DEPTH_CEILING) {
    throw new RangeError(`maxDepth must be an integer from 0 to ${MAX_DEPTH_CEILING}, got ${maxDepth}`);
  }
  if (!Number.isInteger(maxChanges) || maxChanges < 0) throw new RangeError(`maxChanges must be a non-negative integer, got ${maxChanges}`);
  for (const key of identifierKeys) {
    if (!isValidIdentifierKey(key)) throw new RangeError(`identifier key ${JSON.stringify(key)} must be letters, digits, "_" or "-"`);
  }

  const walk: Walk = { maxDepth, identifierKeys, changes: [], collapsed: [] };
  diffValue(walk, previous ?? null, current ?? null, '', 0);

  const changes = walk.changes.sort(byPath);
  if (changes.length > maxChanges) {
    const left = changes.splice(maxChanges);
    return {
      changes,
      limited: { reason: 'max_changes', limit: maxChanges, path: left[0]!.path, omitted: left.length, collapsed: walk.collapsed.length },
    };
  }
  if (walk.collapsed.length > 0) {
    const first = walk.collapsed.sort()[0]!;
    return { changes, limited: { reason: 'max_depth', limit: maxDepth, path: first, omitted: 0, collapsed: walk.collapsed.length } };
  }
  return { changes, limited: null };
}

function byPath(a: FieldChange, b: FieldChange): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** `previous` and `current` are defined; `depth` is the number of segments in `path`. */
function diffValue(walk: Walk, previous: unknown, current: unknown, path: string, depth: number): void {
  if (previous === current) return;
  const previousIsArray = Array.isArray(previous);
  const currentIsArray = Array.isArray(current);
  const previousIsObject = !previousIsArray && typeof previous === 'object' && previous !== null;
  const currentIsObject = !currentIsArray && typeof current === 'object' && current !== null;
  if (previousIsArray !== currentIsArray || previousIsObject !== currentIsObject || !(previousIsArray || previousIsObject)) {
    walk.changes.push({ path, type: 'update', previous, current });
    return;
  }
  if (depth >= walk.maxDepth) {
    if (canonicalJson(previous) !== canonicalJson(current)) {
      walk.changes.push({ path, type: 'update', previous, current });
      walk.collapsed.push(path);
    }
    return;
  }
  if (previousIsArray) diffArrays(walk, previous as unknown[], current as unknown[], path, depth);
  else diffObjects(walk, previous as Json, current as Json, path, depth);
}

function diffObjects(walk: Walk, previous: Json, current: Json, path: string, depth: number): void {
  let kept = 0;
  for (const key of Object.keys(previous)) {
    const before = previous[key];
    if (before === undefined) continue;
    const after = Object.hasOwn(current, key) ? current[key] : undefined;
    if (after === undefined) {
      walk.changes.push({ path: appendKey(path, key), type: 'delete', previous: before, current: null });
      continue;
    }
    kept++;
    if (before !== after) diffValue(walk, before, after, appendKey(path, key), depth + 1);
  }
  const currentKeys = Object.keys(current);
  // Every key of current was also in previous: nothing was created (the common case).
  if (currentKeys.length === kept) return;
  for (const key of currentKeys) {
    const after = current[key];
    if (after === undefined) continue;
    if (Object.hasOwn(previous, key) && previous[key] !== undefined) continue;
    walk.changes.push({ path: appendKey(path, key), type: 'create', previous: null, current: after });
  }
}

function diffArrays(walk: Walk, previous: unknown[], current: unknown[], path: string, depth: number): void {
  let allScalars = true;
  let allObjects = true;
  for (const side of [previous, current]) {
    for (const item of side) {
      if (typeof item === 'object' && item !== null) {
        allScalars = false;
        if (Array.isArray(item)) allObjects = false;
      } else {
        allObjects = false;
      }
    }
  }
  if (allScalars) return diffScalarSets(walk, previous, current, path);
  if (allObjects) {
    const matched = matchByIdentifier(previous as Json[], current as Json[], walk.identifierKeys);
    if (matched) return diffMatched(walk, matched.previous, matched.current, path, depth);
  }
  diffByIndex(walk, previous, current, path, depth);
}

function diffByIndex(walk: Walk, previous: unknown[], current: unknown[], path: string, depth: number): void {
  const length = Math.max(previous.length, current.length);
  for (let index = 0; index < length; index++) {
    const before = previous[index] ?? null;
    const after = current[index] ?? null;
    if (index >= current.length) walk.changes.push({ path: path + indexSegment(index), type: 'delete', previous: before, current: null });
    else if (index >= previous.length) walk.changes.push({ path: path + indexSegment(index), type: 'create', previous: null, current: after });
    else if (before !== after) diffValue(walk, before, after, path + indexSegment(index), depth + 1);
  }
}

function diffMatched(walk: Walk, previous: Map<string, Json>, current: Map<string, Json>, path: string, depth: number): void {
  for (const [segment, before] of previous) {
    const after = current.get(segment);
    if (after === undefined) walk.changes.push({ path: path + segment, type: 'delete', previous: before, current: null });
    else diffValue(walk, before, after, path + segment, depth + 1);
  }
  for (const [segment, after] of current) {
    if (!previous.has(segment)) walk.changes.push({ path: path + segment, type: 'create', previous: null, current: after });
  }
}

/** Elements of both arrays by `[key=value]` segment, with the first identifier key that fits both. */
function matchByIdentifier(
  previous: Json[],
  current: Json[],
  identifierKeys: readonly string[],
): { previous: Map<string, Json>; current: Map<string, Json> } | null {
  for (const key of identifierKeys) {
    const before = indexByIdentifier(previous, key);
    if (!before) continue;
    const after = indexByIdentifier(current, key);
    if (after) return { previous: before, current: after };
  }
  return null;
}

function indexByIdentifier(items: Json[], key: string): Map<string, Json> | null {
  const index = new Map<string, Json>();
  for (const item of items) {
    const value = Object.hasOwn(item, key) ? item[key] : undefined;
    if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) return null;
    const segment = identifierSegment(key, value);
    if (index.has(segment)) return null;
    index.set(segment, item);
  }
  return index;
}

function diffScalarSets(walk: Walk, previous: unknown[], current: unknown[], path: string): void {
  if (previous.length === current.length && previous.every((item, index) => item === current[index])) return;
  const before = countValues(previous);
  const after = countValues(current);
  let differs = before.counts.size !== after.counts.size;
  for (const [segment, entry] of before.counts) {
    if (after.counts.get(segment)?.count !== entry.count) differs = true;
  }
  if (!differs) return;
  if (before.repeated || after.repeated) {
    walk.changes.push({ path, type: 'update', previous, current });
    return;
  }
  for (const [segment, entry] of before.counts) {
    if (!after.counts.has(segment)) walk.changes.push({ path: path + segment, type: 'delete', previous: entry.value, current: null });
  }
  for (const [segment, entry] of after.counts) {
    if (!before.counts.has(segment)) walk.changes.push({ path: path + segment, type: 'create', previous: null, current: entry.value });
  }
}

function countValues(items: unknown[]): { counts: Map<string, { value: ScalarValue; count: number }>; repeated: boolean } {
  const counts = new Map<string, { value: ScalarValue; count: number }>();
  let repeated = false;
  for (const item of items) {
    const value = (item ?? null) as ScalarValue;
    const segment = valueSegment(value);
    const entry = counts.get(segment);
    if (entry) {
      entry.count++;
      repeated = true;
    } else {
      counts.set(segment, { value, count: 1 });
    }
  }
  return { counts, repeated };
}
