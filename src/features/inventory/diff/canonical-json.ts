import { hash } from 'node:crypto';

/**
 * JSON with every object's keys sorted (by UTF-16 code units, as Array#sort does), arrays in
 * their order, and no whitespace, so two inventories that differ only in key order have the
 * same text and the same hash. Scalars are written as JSON.stringify writes them, which makes
 * the output the JSON Canonicalization Scheme (RFC 8785) for any input that came from JSON.
 *
 * Values JSON cannot hold follow JSON.stringify: `toJSON` is honoured, properties that are
 * undefined, functions or symbols are left out, and become `null` inside arrays; non-finite
 * numbers become `null`. A cycle or a BigInt throws a TypeError, as does a top-level value
 * that has no JSON form.
 *
 * Two ways to the same text. The fast one copies the value with keys inserted in sorted order
 * and lets the native JSON.stringify write it (about three times faster than writing it in
 * JavaScript). It cannot serve an object whose integer-like keys ("9", "10") the engine would
 * reorder, a `__proto__` key, or nesting deeper than FAST_PATH_MAX_DEPTH (which also catches
 * cycles); those go to the writer below, which keeps its own stack, so no depth that
 * JSON.parse accepted can overflow the call stack.
 */
export function canonicalJson(value: unknown): string {
  const copy = sortedCopy(value, '', 0);
  if (copy !== UNSUPPORTED) {
    const text = JSON.stringify(copy) as string | undefined;
    if (text === undefined) throw new TypeError(`${typeof value} has no JSON representation`);
    return text;
  }
  return writeCanonicalJson(value);
}

/** Hex SHA-256 of the canonical JSON: the identity of an inventory snapshot. */
export function inventoryHash(value: unknown): string {
  return hash('sha256', canonicalJson(value), 'hex');
}

const FAST_PATH_MAX_DEPTH = 1000;
const UNSUPPORTED = Symbol('unsupported by the fast path');
/** Keys the engine may list before the others, in numeric order (a superset; order is checked). */
const INDEX_LIKE_KEY = /^(?:0|[1-9]\d{0,9})$/;

function sortedCopy(input: unknown, key: string, depth: number): unknown {
  const value = toJsonValue(input, key);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= FAST_PATH_MAX_DEPTH) return UNSUPPORTED;
  if (Array.isArray(value)) {
    const length = value.length;
    const copy = new Array<unknown>(length);
    for (let index = 0; index < length; index++) {
      const item = sortedCopy(value[index], String(index), depth + 1);
      if (item === UNSUPPORTED) return UNSUPPORTED;
      copy[index] = item;
    }
    return copy;
  }
  const keys = Object.keys(value).sort();
  const copy: Record<string, unknown> = {};
  let indexLikeKeys = false;
  let skipped = false;
  for (const name of keys) {
    const item = sortedCopy((value as Record<string, unknown>)[name], name, depth + 1);
    if (item === UNSUPPORTED) return UNSUPPORTED;
    // Left out here rather than by JSON.stringify, which would call a function named toJSON.
    if (item === undefined || typeof item === 'function' || typeof item === 'symbol') {
      skipped = true;
      continue;
    }
    const first = name.charCodeAt(0);
    if (first >= 48 && first <= 57) indexLikeKeys ||= INDEX_LIKE_KEY.test(name);
    else if (name === '__proto__') return UNSUPPORTED;
    copy[name] = item;
  }
  if (indexLikeKeys) {
    const order = Object.keys(copy);
    const expected = skipped ? keys.filter((name) => Object.hasOwn(copy, name)) : keys;
    for (let index = 0; index < expected.length; index++) if (order[index] !== expected[index]) return UNSUPPORTED;
  }
  return copy;
}

/** The same text, written in JavaScript with an explicit stack: the fallback, exported so tests can hold the two paths to the same output. */
export function writeCanonicalJson(value: unknown): string {
  const root = toJsonValue(value, '');
  if (!isContainer(root)) {
    const text = scalarJson(root);
    if (text === undefined) throw new TypeError(`${typeof value} has no JSON representation`);
    return text;
  }

  let out = '';
  const stack: Frame[] = [];
  const open = new Set<object>();

  const enter = (container: object): void => {
    if (open.has(container)) throw new TypeError('cannot write a cyclic structure as JSON');
    open.add(container);
    if (Array.isArray(container)) {
      out += '[';
      stack.push({ container, keys: null, index: 0, written: 0 });
    } else {
      out += '{';
      stack.push({ container, keys: Object.keys(container).sort(), index: 0, written: 0 });
    }
  };

  enter(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const { keys } = frame;
    if (keys === null) {
      const array = frame.container as unknown[];
      if (frame.index >= array.length) {
        out += ']';
        stack.pop();
        open.delete(array);
        continue;
      }
      const index = frame.index++;
      if (index > 0) out += ',';
      const item = toJsonValue(array[index], String(index));
      if (isContainer(item)) enter(item);
      else out += scalarJson(item) ?? 'null';
    } else {
      if (frame.index >= keys.length) {
        out += '}';
        stack.pop();
        open.delete(frame.container);
        continue;
      }
      const key = keys[frame.index++]!;
      const item = toJsonValue((frame.container as Record<string, unknown>)[key], key);
      if (isContainer(item)) {
        out += `${frame.written++ > 0 ? ',' : ''}${JSON.stringify(key)}:`;
        enter(item);
      } else {
        const text = scalarJson(item);
        if (text !== undefined) out += `${frame.written++ > 0 ? ',' : ''}${JSON.stringify(key)}:${text}`;
      }
    }
  }
  return out;
}

interface Frame {
  container: object;
  /** Sorted keys for an object, null for an array. */
  keys: string[] | null;
  index: number;
  /** Members written so far, to place commas (skipped members write nothing). */
  written: number;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function toJsonValue(value: unknown, key: string): unknown {
  // Like JSON.stringify: any object, functions included, may say how it wants to be written.
  if ((typeof value === 'object' && value !== null) || typeof value === 'function') {
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return (toJSON as (key: string) => unknown).call(value, key);
  } else if (typeof value === 'bigint') {
    throw new TypeError('cannot write a BigInt as JSON');
  }
  return value;
}

/** JSON text of a non-container value; undefined for those JSON leaves out. */
function scalarJson(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      return 'null';
    default:
      return undefined;
  }
}
