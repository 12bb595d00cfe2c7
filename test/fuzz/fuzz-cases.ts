import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { fixture } from '../../bench/inventory-fixtures/inventory-generator.ts';
import { createRandom, type Random } from '../../bench/inventory-fixtures/random.ts';
import * as bodies from '../helpers/hostile-bodies.ts';

/**
 * The fuzz corpus (test/fuzz/corpus/*.json, grown with each defect found) and seeded mutations
 * of every route. A case is one request:
 *
 *   { "name": "issue 11 #3: inventory nested 20,000 deep", "method": "POST",
 *     "path": "/api/systems/inventory", "generate": { "name": "nested-objects", "size": 20000 },
 *     "expect": [400] }
 *
 * - `path` and `body` may hold placeholders, `{system_id}`, `{organization_id}`, …, filled from
 *   the fixtures of the run (FuzzFixtures).
 * - `auth`: `appliance` (the default outside /api/v1), `admin` (the default under it) or `none`;
 *   an `authorization` header of the case replaces it.
 * - The body: `body` (text), `bodyBase64` (bytes), or `generate` (a named generator below, for
 *   bodies too large to keep), optionally gzip-compressed (`"gzip": true`, which also sends
 *   `Content-Encoding: gzip`). Appliance routes default to `Content-Type: application/json`.
 * - `expect`: the statuses the case may get; without it, anything below 500.
 */
export interface FuzzCase {
  name: string;
  method: string;
  path: string;
  auth?: 'appliance' | 'admin' | 'none';
  headers?: Record<string, string>;
  body?: string;
  bodyBase64?: string;
  generate?: { name: keyof typeof GENERATORS; size: number };
  gzip?: boolean;
  expect?: number[];
}

/** What placeholders are filled with: the run's systems, records, backups, the fake upstream. */
export type FuzzFixtures = Record<string, string>;

export interface FuzzRequest {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload: string | Buffer | undefined;
  expect: number[] | undefined;
}

const GENERATORS = {
  'nested-objects': bodies.nestedObjects,
  'nested-arrays-in-object': bodies.nestedArraysInObject,
  'many-elements': bodies.manyElements,
  'long-string': bodies.longString,
  'long-number': bodies.longNumber,
  'long-key': bodies.longKey,
  'long-summary': bodies.longSummary,
  'many-labels': bodies.manyLabels,
  zeros: (size: number) => '0'.repeat(size),
  inventory: () => JSON.stringify(fixture('ns8')),
} satisfies Record<string, (size: number) => string>;

const CORPUS_DIR = path.join(import.meta.dirname, 'corpus');

export function loadCorpus(): FuzzCase[] {
  return readdirSync(CORPUS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .flatMap((file) => JSON.parse(readFileSync(path.join(CORPUS_DIR, file), 'utf8')) as FuzzCase[]);
}

function fill(text: string, fixtures: FuzzFixtures): string {
  return text.replace(/\{([a-z_0-9]+)\}/g, (whole, name: string) => fixtures[name] ?? whole);
}

/** A case as the request to send, placeholders filled and credentials added. */
export function toRequest(fuzzCase: FuzzCase, fixtures: FuzzFixtures, credentials: { appliance: string; admin: string }): FuzzRequest {
  const url = fill(fuzzCase.path, fixtures);
  const management = url.startsWith('/api/v1');
  const auth = fuzzCase.auth ?? (management ? 'admin' : 'appliance');
  const headers: Record<string, string> = {};
  if (auth !== 'none') headers.authorization = credentials[auth];
  if (!management && fuzzCase.method === 'POST') headers['content-type'] = 'application/json';
  for (const [name, value] of Object.entries(fuzzCase.headers ?? {})) headers[name.toLowerCase()] = fill(value, fixtures);
  let payload: string | Buffer | undefined;
  if (fuzzCase.generate) payload = GENERATORS[fuzzCase.generate.name](fuzzCase.generate.size);
  else if (fuzzCase.bodyBase64 !== undefined) payload = Buffer.from(fuzzCase.bodyBase64, 'base64');
  else if (fuzzCase.body !== undefined) payload = fill(fuzzCase.body, fixtures);
  if (fuzzCase.gzip && payload !== undefined) {
    payload = gzipSync(payload);
    headers['content-encoding'] = 'gzip';
  }
  return { name: fuzzCase.name, method: fuzzCase.method, url, headers, payload, expect: fuzzCase.expect };
}

/** A route as the OpenAPI document lists it: `/api/v1/systems/{id}` with its query parameters. */
export interface Route {
  method: string;
  path: string;
  query: string[];
  hasBody: boolean;
}

const PROTECTED_FIXTURES = new Set(['appliance_system_id', 'system_secret', 'unregistered_secret']);

/** JSON texts put in place of a value of a body: what a careless or hostile client sends. */
const JSON_TOKENS = [
  'null',
  'true',
  'false',
  '0',
  '-1',
  '1.5',
  '1e308',
  '-1e308',
  '1e400',
  '1e-400',
  '0.1e999999999',
  '9007199254740993',
  '123456789012345678901234567890',
  '""',
  '"x"',
  `"${'x'.repeat(300)}"`,
  `"${'é'.repeat(2000)}"`,
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800"',
  '"\\udfff\\ud800"',
  '"%00"',
  '"\' OR 1=1 --"',
  '"{{.system_key}}"',
  '"{{ template \\"x\\" }}"',
  '"<script>alert(1)</script>"',
  '"é日本😀\\u202e"',
  '"0000-01-01T00:00:00Z"',
  '"9999-12-31T23:59:59Z"',
  '"2024-02-30T00:00:00Z"',
  '"275760-09-13T00:00:00Z"',
  '"not-a-date"',
  '"00000000-0000-0000-0000-000000000000"',
  '"NETH-0000-0000-0000-0000-0000-0000-0000-0000"',
  '"my_0123456789abcdef0123.0123456789abcdef0123456789abcdef01234567"',
  '{}',
  '[]',
  '[[[[[[[[[[]]]]]]]]]]',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  bodies.nestedObjects(63),
  bodies.nestedObjects(65),
  `[${'1,'.repeat(200)}1]`,
  '"http://127.0.0.1:1/"',
];

/** Query values, already encoded for a URL. */
const QUERY_TOKENS = [
  '',
  '0',
  '-1',
  '1',
  '2',
  '500',
  '501',
  '1e9',
  '1.5',
  '99999999999999999999',
  'abc',
  '%00',
  '%25',
  '%5C',
  '_',
  '%27%20OR%201%3D1--',
  'a'.repeat(3000),
  '%ff',
  '%C0%80',
  '%F0%9F%98%80',
  'true',
  'false',
  'asc',
  'desc',
  'name',
  'organization',
  'active',
  'inactive',
  'high',
  'critical',
  'create',
  'os',
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '2024-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2024-02-30T00:00:00Z',
  '1970-01-01T00:00:00.000001Z',
  '2024-01-01T00:00:00%2B14:00',
  '24h',
  '7d',
  '30d',
  '1y',
  'include',
  'only',
  'exclude',
];

/** Path segments, already encoded. */
const SEGMENT_TOKENS = [
  '00000000-0000-0000-0000-000000000000',
  'not-a-uuid',
  '%00',
  '..%2F..%2Fetc',
  '%2e%2e',
  'a'.repeat(300),
  '%ff',
  '%C0%80',
  'é',
  '%20',
  '01890000-0000-7000-8000-000000000000.tar.gz',
  'inventory.process',
  'x.dead',
  '-1',
  '0',
];

/** Header values as they can arrive over HTTP (Node.js refuses control characters on the wire). */
const HEADER_TOKENS: Record<string, readonly string[]> = {
  'content-type': [
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/json, text/plain',
    'APPLICATION/JSON',
    'application/vnd.api+json',
    '',
  ],
  'content-encoding': ['gzip', 'x-gzip', 'deflate', 'br', 'gzip, gzip', 'identity', 'GZIP '],
  authorization: [
    '',
    'Basic',
    'Basic !!!',
    `Basic ${Buffer.from('NETH-0000-0000-0000-0000-0000-0000-0000-0000:my_0123456789abcdef0123.0123456789abcdef0123456789abcdef01234567').toString('base64')}`,
    `Basic ${Buffer.from(':').toString('base64')}`,
    `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x00]).toString('base64')}`,
    'Bearer x',
    `Bearer ${'a'.repeat(5000)}`,
    `Basic ${Buffer.from('a'.repeat(3000)).toString('base64')}`,
  ],
  'x-filename': ['', ' ', '../../etc/passwd', `${'a'.repeat(1000)}.tar.gz`, 'é.tar.gz', 'x.tar.gz; rm -rf /', '.gpg', 'CON', 'x.TAR.ZST'],
  accept: ['text/html', '*/*', 'application/xml'],
};

/**
 * `count` requests derived from the routes and the corpus by a seeded random stream: path
 * parameters, query values, body values and headers replaced by hostile ones, bodies cut or
 * spliced. The same seed gives the same requests.
 */
export function generateMutations(routes: readonly Route[], corpus: readonly FuzzCase[], fixtures: FuzzFixtures, count: number, seed: number): FuzzCase[] {
  const random = createRandom(seed);
  // The appliance's own identity stays out: suspended or destroyed, it would leave the appliance routes unreached.
  const pool = Object.entries(fixtures)
    .filter(([name, value]) => !PROTECTED_FIXTURES.has(name) && value.length < 200)
    .map(([, value]) => value);
  const bodiesByRoute = new Map<string, string[]>();
  for (const fuzzCase of corpus) {
    if (fuzzCase.body === undefined || (!fuzzCase.body.startsWith('{') && !fuzzCase.body.startsWith('['))) continue;
    const key = `${fuzzCase.method} ${fuzzCase.path.split('?')[0]!.replace(/\{[a-z_]+\}/g, '{}')}`;
    bodiesByRoute.set(key, [...(bodiesByRoute.get(key) ?? []), fuzzCase.body]);
  }
  bodiesByRoute.set('POST /api/systems/inventory', [JSON.stringify(fixture('nsec')), JSON.stringify(fixture('generic'))]);

  const mutations: FuzzCase[] = [];
  for (let index = 0; index < count; index++) {
    const route = random.pick(routes);
    const what: string[] = [];
    let url = route.path.replace(/\{[A-Za-z]+\}/g, () => {
      const value = random.chance(0.6) ? random.pick(pool) : random.pick(SEGMENT_TOKENS);
      what.push(`param ${value.slice(0, 40)}`);
      return value;
    });
    const query: string[] = [];
    for (const name of route.query) {
      if (!random.chance(0.3)) continue;
      const value = random.chance(0.2) ? encodeURIComponent(random.pick(pool)) : random.pick(QUERY_TOKENS);
      query.push(`${random.chance(0.1) ? `${name}[]` : name}=${value}`);
    }
    if (random.chance(0.05)) query.push(`${random.pick(['unknown', '__proto__', 'a%00', 'x'.repeat(500)])}=${random.pick(QUERY_TOKENS)}`);
    if (query.length > 0) {
      url += `?${query.join('&')}`;
      what.push(`query ${query.join('&').slice(0, 60)}`);
    }
    const headers: Record<string, string> = {};
    let auth: FuzzCase['auth'];
    for (const [name, values] of Object.entries(HEADER_TOKENS)) {
      if (!random.chance(name === 'authorization' ? 0.05 : 0.08)) continue;
      headers[name] = random.pick(values);
      what.push(`${name}: ${headers[name].slice(0, 30)}`);
    }
    let body: string | undefined;
    if (route.hasBody || route.method === 'POST' || route.method === 'PATCH') {
      const bases = bodiesByRoute.get(`${route.method} ${route.path.replace(/\{[A-Za-z]+\}/g, '{}')}`) ?? ['{}'];
      body = mutateBody(fill(random.pick(bases), fixtures), random, what);
      if (url.startsWith('/api/v1') && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    }
    if (random.chance(0.03)) auth = 'none';
    mutations.push({
      name: `mutation ${index}: ${route.method} ${route.path} (${what.join('; ') || 'as is'})`,
      method: route.method,
      path: url,
      headers,
      body,
      ...(auth ? { auth } : {}),
    });
  }
  return mutations;
}

/** One or two edits of a JSON body: a value replaced by a token, a key dropped or added, the text cut or spliced. */
function mutateBody(text: string, random: Random, what: string[]): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  const edits = random.between(1, 2);
  let out = text;
  for (let edit = 0; edit < edits; edit++) {
    const kind = random.int(10);
    if (kind < 6) {
      const token = random.pick(JSON_TOKENS);
      out = replaceRandomValue(value, token, random);
      what.push(`value → ${token.slice(0, 30)}`);
    } else if (kind < 7) {
      out = dropRandomKey(value, random);
      what.push('a key dropped');
    } else if (kind < 8) {
      const token = random.pick(JSON_TOKENS);
      out = out.replace(/^\{/, `{"${random.pick(['extra', '__proto__', 'ID', 'name', ''])}":${token},`).replace(/,\}$/, '}');
      what.push(`key added → ${token.slice(0, 30)}`);
    } else if (kind < 9) {
      const at = random.int(out.length + 1);
      out = out.slice(0, at);
      what.push(`cut at ${at}`);
    } else {
      const at = random.int(out.length + 1);
      out = out.slice(0, at) + random.pick(['"', '\\', '{', ']', ',', '\u0000', '\ud800', '😀', ' ']) + out.slice(at);
      what.push(`spliced at ${at}`);
    }
  }
  return out;
}

const MARK = '\u0001token\u0001';

/** The JSON text of `value` with one of its values (or itself) replaced by the raw `token`. */
function replaceRandomValue(value: unknown, token: string, random: Random): string {
  const slots = collectSlots(value);
  const slot = random.pick(slots);
  if (slot === null) return token;
  const [container, key] = slot;
  const saved = (container as Record<string, unknown>)[key];
  (container as Record<string, unknown>)[key] = MARK;
  const text = JSON.stringify(value).replace(JSON.stringify(MARK), token);
  (container as Record<string, unknown>)[key] = saved;
  return text;
}

function dropRandomKey(value: unknown, random: Random): string {
  const slots = collectSlots(value).filter((slot): slot is [object, string] => slot !== null && !Array.isArray(slot[0]));
  if (slots.length === 0) return JSON.stringify(value);
  const [container, key] = random.pick(slots);
  const copy = structuredClone(value);
  const path = pathTo(value, container);
  let target: unknown = copy;
  for (const step of path) target = (target as Record<string, unknown>)[step];
  delete (target as Record<string, unknown>)[key];
  return JSON.stringify(copy);
}

/** Every place a value sits (container and key), and `null` for the value itself. */
function collectSlots(value: unknown): ([object, string] | null)[] {
  const slots: ([object, string] | null)[] = [null];
  const walk = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return;
    for (const key of Object.keys(node)) {
      slots.push([node, key]);
      walk((node as Record<string, unknown>)[key]);
    }
  };
  walk(value);
  return slots;
}

function pathTo(root: unknown, target: object): string[] {
  if (root === target) return [];
  if (typeof root !== 'object' || root === null) return [];
  for (const key of Object.keys(root)) {
    const child = (root as Record<string, unknown>)[key];
    if (child === target) return [key];
    const below = pathTo(child, target);
    if (below.length > 0) return [key, ...below];
  }
  return [];
}
