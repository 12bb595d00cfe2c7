import type { FastifyInstance } from 'fastify';
import { BadRequestError } from '../errors/errors.ts';

/**
 * Limits on JSON bodies, checked by one pass over the text before anything parses it: nothing
 * that recurses (JSON.stringify, PostgreSQL's jsonb input, the diff engine) ever sees a value
 * deeper than `maxDepth`, and nothing builds millions of values or a string of megabytes from a
 * small request. The pass also refuses what PostgreSQL cannot store although JavaScript parses
 * it, so such a body is a 400 here rather than a failed statement later:
 *
 * - `\u0000` in a string (neither `text` nor `jsonb` holds it);
 * - an unpaired surrogate escape such as `\ud800` (not Unicode text; jsonb refuses it);
 * - a number beyond the range of a double: overflowing to ±Infinity (`1e400`), or non-zero but
 *   rounding to 0 (`1e-400`), written in more than MAX_NUMBER_LENGTH characters, or with an
 *   exponent beyond ±MAX_EXPONENT (PostgreSQL's numeric refuses `0.1e999999999`, `0e-99999`,
 *   or 16,384 digits after the point; JavaScript would read them as Infinity, 0 or a rounded
 *   value and diff them as such).
 *
 * The scanner is not a validator: on text that is not JSON it may find no violation, and the
 * parse that follows refuses the text. On JSON it counts exactly.
 */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays; the top-level object is depth 1. */
  maxDepth: number;
  /** Most values below the top level: object members plus array elements. */
  maxValues: number;
  /** Longest string, key or value, in characters (UTF-16 code units) once decoded. */
  maxString: number;
}

export type JsonLimitName = 'depth' | 'values' | 'string' | 'nul' | 'surrogate' | 'number';

export interface JsonLimitViolation {
  limit: JsonLimitName;
  /** The setting that raises the limit; null for what no setting allows. */
  setting: string | null;
  /** The limit's value, when it has one. */
  max: number | null;
  /** Where in the text (a character offset) the limit was crossed. */
  at: number;
  message: string;
}

/** Longest number accepted, in characters: a double needs 24, so this only refuses abuse. */
export const MAX_NUMBER_LENGTH = 1000;
/** Largest exponent magnitude accepted as written (a double's range ends near 1e±324). */
export const MAX_EXPONENT = 1000;

export const JSON_LIMIT_SETTINGS = { depth: 'API_MAX_JSON_DEPTH', values: 'API_MAX_JSON_VALUES', string: 'API_MAX_JSON_STRING' } as const;

const OBJECT = 1;
const ARRAY = 2;
/** A number needs the slow check only when it could leave the safe range: long, or with an exponent. */
const PLAIN_NUMBER_LENGTH = 15;

/** The first limit `text` crosses, or null. Never throws; linear in the length of the text. */
export function findJsonLimitViolation(text: string, limits: JsonLimits): JsonLimitViolation | null {
  const length = text.length;
  // The kind of container open at each depth (0 is the top level, outside any container).
  const kinds = new Uint8Array(limits.maxDepth + 2);
  let depth = 0;
  let values = 0;
  let expectKey = false;
  // Next backslash and next quote at or after the scan position, searched natively and only
  // again once passed, so strings with many escapes stay linear.
  let nextBackslash = -2;
  let nextQuote = -2;
  let at = 0;

  while (at < length) {
    const char = text.charCodeAt(at);
    if (char <= 0x20) {
      // Whitespace (or a control character, which is not JSON): most of a pretty-printed body.
      at++;
      continue;
    }
    if (char === 0x22) {
      // A string: a key when one is expected, else a value.
      const counted = expectKey || kinds[depth] === ARRAY;
      if (counted && ++values > limits.maxValues) return tooMany(limits, at);
      expectKey = false;
      const start = at;
      let position = at + 1;
      let decoded = 0;
      for (;;) {
        if (nextQuote !== -1 && nextQuote < position) nextQuote = text.indexOf('"', position);
        if (nextQuote === -1) return null; // unterminated: not JSON
        if (nextBackslash !== -1 && nextBackslash < position) nextBackslash = text.indexOf('\\', position);
        if (nextBackslash === -1 || nextBackslash > nextQuote) {
          decoded += nextQuote - position;
          position = nextQuote + 1;
          break;
        }
        const escape = nextBackslash;
        decoded += escape - position + 1;
        if (text.charCodeAt(escape + 1) !== 0x75) {
          position = escape + 2;
          // Escapes often come in runs (`\\\\`, `\r\n`): spare the search.
          if (text.charCodeAt(position) === 0x5c) nextBackslash = position;
          continue;
        }
        const unit = hex4(text, escape + 2);
        position = escape + 6;
        if (unit === 0) return violation('nul', null, null, escape, 'a JSON string holds \\u0000, which cannot be stored');
        if (unit >= 0xdc00 && unit <= 0xdfff) return unpaired(text, escape);
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const low = text.charCodeAt(position) === 0x5c && text.charCodeAt(position + 1) === 0x75 ? hex4(text, position + 2) : -1;
          if (low < 0xdc00 || low > 0xdfff) return unpaired(text, escape);
          decoded++;
          position += 6;
        }
      }
      if (decoded > limits.maxString) {
        return violation(
          'string',
          JSON_LIMIT_SETTINGS.string,
          limits.maxString,
          start,
          `a JSON string is longer than ${limits.maxString} characters (${JSON_LIMIT_SETTINGS.string})`,
        );
      }
      at = position;
      continue;
    }
    if (char === 0x7b || char === 0x5b) {
      // `{` or `[`
      if (kinds[depth] === ARRAY && ++values > limits.maxValues) return tooMany(limits, at);
      if (++depth > limits.maxDepth) {
        return violation(
          'depth',
          JSON_LIMIT_SETTINGS.depth,
          limits.maxDepth,
          at,
          `JSON nests deeper than ${limits.maxDepth} levels (${JSON_LIMIT_SETTINGS.depth})`,
        );
      }
      kinds[depth] = char === 0x7b ? OBJECT : ARRAY;
      expectKey = char === 0x7b;
      at++;
      continue;
    }
    if (char === 0x7d || char === 0x5d) {
      // `}` or `]`
      if (depth > 0) depth--;
      expectKey = false;
      at++;
      continue;
    }
    if (char === 0x2c) {
      // `,`
      expectKey = kinds[depth] === OBJECT;
      at++;
      continue;
    }
    if (char === 0x2d || (char >= 0x30 && char <= 0x39)) {
      // A number: `-` or a digit.
      if (kinds[depth] === ARRAY && ++values > limits.maxValues) return tooMany(limits, at);
      let end = at + 1;
      let exponent = -1;
      for (; end < length; end++) {
        const next = text.charCodeAt(end);
        if (next === 0x65 || next === 0x45) {
          if (exponent === -1) exponent = end;
        } else if (!((next >= 0x30 && next <= 0x39) || next === 0x2e || next === 0x2b || next === 0x2d)) {
          break;
        }
      }
      if (end - at > PLAIN_NUMBER_LENGTH || exponent !== -1) {
        const refused = checkNumber(text, at, end, exponent);
        if (refused) return refused;
      }
      at = end;
      continue;
    }
    if (char >= 0x61 && char <= 0x7a) {
      // true, false, null (any other word is not JSON, which the parse reports).
      if (kinds[depth] === ARRAY && ++values > limits.maxValues) return tooMany(limits, at);
      at++;
      while (at < length && text.charCodeAt(at) >= 0x61 && text.charCodeAt(at) <= 0x7a) at++;
      continue;
    }
    // Whitespace, `:`, or something that is not JSON.
    at++;
  }
  return null;
}

function violation(limit: JsonLimitName, setting: string | null, max: number | null, at: number, message: string): JsonLimitViolation {
  return { limit, setting, max, at, message };
}

function tooMany(limits: JsonLimits, at: number): JsonLimitViolation {
  return violation(
    'values',
    JSON_LIMIT_SETTINGS.values,
    limits.maxValues,
    at,
    `JSON holds more than ${limits.maxValues} values (${JSON_LIMIT_SETTINGS.values})`,
  );
}

function unpaired(text: string, at: number): JsonLimitViolation {
  return violation('surrogate', null, null, at, `a JSON string holds an unpaired surrogate ${text.slice(at, at + 6)}, which is not Unicode text`);
}

/** The number `text[start, end)` (exponent marker at `exponent`, or -1), when it is refused. */
function checkNumber(text: string, start: number, end: number, exponent: number): JsonLimitViolation | null {
  const shown = end - start > 40 ? `${text.slice(start, start + 37)}...` : text.slice(start, end);
  const refuse = (why: string) => violation('number', null, null, start, `the JSON number ${shown} ${why}`);
  if (end - start > MAX_NUMBER_LENGTH) return refuse(`is written with more than ${MAX_NUMBER_LENGTH} characters`);
  const value = Number(text.slice(start, end));
  if (Number.isNaN(value)) return null; // not a JSON number: the parse reports it
  if (!Number.isFinite(value)) return refuse('is beyond the range of a double');
  if (exponent !== -1) {
    const written = Number(text.slice(exponent + 1, end));
    if (!(Math.abs(written) <= MAX_EXPONENT)) return refuse(`has an exponent beyond ±${MAX_EXPONENT}`);
  }
  if (value === 0) {
    const mantissaEnd = exponent === -1 ? end : exponent;
    for (let at = start; at < mantissaEnd; at++) {
      const digit = text.charCodeAt(at);
      if (digit >= 0x31 && digit <= 0x39) return refuse('is too small for a double (it would read as 0)');
    }
  }
  return null;
}

/** The value of four hex digits at `at`, or -1. */
function hex4(text: string, at: number): number {
  let value = 0;
  for (let index = at; index < at + 4; index++) {
    const char = text.charCodeAt(index);
    const digit = char >= 0x30 && char <= 0x39 ? char - 0x30 : char >= 0x61 && char <= 0x66 ? char - 0x57 : char >= 0x41 && char <= 0x46 ? char - 0x37 : -1;
    if (digit === -1) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** The `data` of a 400 answer for a violation. */
export function presentJsonLimitViolation(violation: JsonLimitViolation) {
  return { limit: violation.limit, setting: violation.setting, max: violation.max, at: violation.at };
}

/**
 * Replaces the JSON body parser of every route with one that checks the limits first, then
 * parses as Fastify's own does (prototype-poisoning protection included). Routes that parse
 * their bodies themselves (inventory) call findJsonLimitViolation. Call before any route is
 * registered: plugins copy their parent's parsers when registered.
 */
export function installJsonBodyLimits(app: FastifyInstance, limits: JsonLimits): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    // No body at all, as clients send to an action (`POST …/suspend`) with the JSON content type
    // set by habit: no body, so a route whose schema requires one refuses it as missing.
    if ((body as string).trim() === '') {
      done(null, undefined);
      return;
    }
    const refused = findJsonLimitViolation(body as string, limits);
    if (refused) {
      done(new BadRequestError(`request body refused: ${refused.message}`, presentJsonLimitViolation(refused)), undefined);
      return;
    }
    void parse(request, body as string, done);
  });
}
