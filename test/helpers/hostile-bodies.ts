import { createHash } from 'node:crypto';

/**
 * Bodies too large to keep as files, built on demand: the fuzz corpus names them
 * (`"generate": {"name": "nested-objects", "size": 20000}`) and the hostile-input tests call them.
 */

/** `{"a":{"a":…1…}}`: an object `depth` levels deep (the top-level object is level 1). */
export function nestedObjects(depth: number, leaf = '1'): string {
  return '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
}

/** `{"a":[[[…]]]}`: arrays nested `depth` levels inside an object. */
export function nestedArraysInObject(depth: number): string {
  return `{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`;
}

/** `{"a":[0,0,…]}`: one array of `count` elements. */
export function manyElements(count: number): string {
  return `{"a":[${'0,'.repeat(count - 1)}0]}`;
}

/** An object holding one string of `length` characters. */
export function longString(length: number): string {
  return `{"s":"${'x'.repeat(length)}"}`;
}

/** `{"a":1.111…}`: a number with `digits` digits after the point. */
export function longNumber(digits: number): string {
  return `{"a":1.${'1'.repeat(digits)}}`;
}

/** An object with one key of `length` characters that do not compress (the same every time). */
export function longKey(length: number): string {
  let key = '';
  for (let block = 0; key.length < length; block++) key += createHash('sha256').update(String(block)).digest('base64url');
  return JSON.stringify({ fqdn: 'long-key.example', [key.slice(0, length)]: 1 });
}

/** An inventory whose summary fields are `length` characters long. */
export function longSummary(length: number): string {
  const text = 'a'.repeat(length);
  return JSON.stringify({ fqdn: text, ipv4_address: text, ipv6_address: text, version: text, os: { name: text, version: text } });
}

/** A system to create with `count` labels of the longest key and value. */
export function manyLabels(count: number): string {
  const labels = Object.fromEntries(Array.from({ length: count }, (_, index) => [`${String(index).padStart(3, '0')}${'k'.repeat(60)}`, 'v'.repeat(255)]));
  return JSON.stringify({ name: 'many labels', labels });
}
