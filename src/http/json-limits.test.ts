import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import Fastify from 'fastify';
import { installErrorHandling } from './error-handler.ts';
import { findJsonLimitViolation, installJsonBodyLimits, MAX_EXPONENT, MAX_NUMBER_LENGTH, type JsonLimits } from './json-limits.ts';

const generous: JsonLimits = { maxDepth: 1000, maxValues: 10_000_000, maxString: 10_000_000 };
const limitOf = (text: string, limits: JsonLimits = generous) => findJsonLimitViolation(text, limits)?.limit ?? null;

/** What a parsed value holds, measured the obvious (recursive) way. */
interface Measure {
  depth: number;
  values: number;
  longest: number;
  nul: boolean;
  surrogate: boolean;
}

function measure(value: unknown): Measure {
  const result: Measure = { depth: 0, values: 0, longest: 0, nul: false, surrogate: false };
  const string = (text: string) => {
    result.longest = Math.max(result.longest, text.length);
    result.nul ||= text.includes('\u0000');
    result.surrogate ||= !text.isWellFormed();
  };
  const walk = (item: unknown, depth: number) => {
    if (typeof item === 'string') return string(item);
    if (typeof item !== 'object' || item === null) return;
    result.depth = Math.max(result.depth, depth + 1);
    const entries = Array.isArray(item) ? item.map((element) => [null, element] as const) : Object.entries(item);
    for (const [key, element] of entries) {
      result.values++;
      if (key !== null) string(key);
      walk(element, depth + 1);
    }
  };
  walk(value, 0);
  return result;
}

/** Limits that `text` (whose value measures `m`) just meets. */
const exactly = (m: Measure): JsonLimits => ({ maxDepth: Math.max(1, m.depth), maxValues: Math.max(1, m.values), maxString: Math.max(1, m.longest) });

/** JSON values as appliances and operators could send them: any text, any nesting. */
const jsonValues = fc.jsonValue({ maxDepth: 8, stringUnit: 'binary' }).filter((value) => {
  const m = measure(value);
  return !m.nul && !m.surrogate;
});
/** Whitespace as a pretty-printer or a hand would put it. */
const layouts = fc.constantFrom(undefined, 0, 2, '\t', ' \r\n ');

describe('findJsonLimitViolation', () => {
  it('counts depth, values (members and elements) and decoded string length exactly', () => {
    assert.equal(limitOf('{}', { ...generous, maxDepth: 1 }), null);
    assert.equal(limitOf('{"a":{}}', { ...generous, maxDepth: 1 }), 'depth');
    assert.equal(limitOf('[[[]]]', { ...generous, maxDepth: 3 }), null);
    assert.equal(limitOf('[[[[]]]]', { ...generous, maxDepth: 3 }), 'depth');
    assert.equal(limitOf('{"a":1,"b":[1,2,{"c":null}]}', { ...generous, maxValues: 6 }), null);
    assert.equal(limitOf('{"a":1,"b":[1,2,{"c":null}]}', { ...generous, maxValues: 5 }), 'values');
    assert.equal(limitOf('"top-level strings count toward nothing but their length"', { ...generous, maxValues: 1 }), null);
    assert.equal(limitOf('{"k":"\\u00e9\\n\\ud83d\\ude00x"}', { ...generous, maxString: 5 }), null);
    assert.equal(limitOf('{"k":"\\u00e9\\n\\ud83d\\ude00xy"}', { ...generous, maxString: 5 }), 'string');
    assert.equal(limitOf(`{"${'k'.repeat(6)}":1}`, { ...generous, maxString: 5 }), 'string', 'keys are strings too');
  });

  it('refuses what PostgreSQL cannot store: \\u0000, unpaired surrogates, numbers beyond a double', () => {
    assert.equal(limitOf('{"name":"a\\u0000b"}'), 'nul');
    assert.equal(limitOf('{"a\\u0000":1}'), 'nul');
    assert.equal(limitOf('{"a":"\\ud800"}'), 'surrogate');
    assert.equal(limitOf('{"a":"\\udc00\\ud800"}'), 'surrogate');
    assert.equal(limitOf('{"a":"\\ud800\\u0041"}'), 'surrogate');
    assert.equal(limitOf('{"a":"\\uD83D\\uDE00 \\\\u0000 is text"}'), null);
    for (const number of ['1e400', '-1e400', '0.1e999999999', '1e-400', '-1e-324', '0e-99999', '0e1001', `1.${'1'.repeat(MAX_NUMBER_LENGTH)}`]) {
      assert.equal(limitOf(`{"a":${number}}`), 'number', number);
    }
    for (const number of [
      '0',
      '-0',
      '0e-1000',
      '1.7976931348623157e308',
      '5e-324',
      '-0.000e5',
      '123456789012345678901234567890',
      `0.${'0'.repeat(500)}1e400`,
    ]) {
      assert.equal(limitOf(`{"a":${number}}`), null, number);
    }
  });

  it('names the limit and the setting that raises it', () => {
    const refused = findJsonLimitViolation('{"a":{"a":{}}}', { ...generous, maxDepth: 2 });
    assert.deepEqual(refused, {
      limit: 'depth',
      setting: 'API_MAX_JSON_DEPTH',
      max: 2,
      at: 10,
      message: 'JSON nests deeper than 2 levels (API_MAX_JSON_DEPTH)',
    });
    assert.equal(findJsonLimitViolation('[1,2]', { ...generous, maxValues: 1 })?.setting, 'API_MAX_JSON_VALUES');
    assert.equal(findJsonLimitViolation('["ab"]', { ...generous, maxString: 1 })?.setting, 'API_MAX_JSON_STRING');
  });

  it('stops at the first level too deep, whatever follows (20,000 levels in microseconds)', () => {
    const deep = '{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000);
    const started = performance.now();
    assert.equal(limitOf(deep, { ...generous, maxDepth: 64 }), 'depth');
    assert.ok(performance.now() - started < 50);
  });

  it('property: any JSON value within the limits is accepted, and one beyond any of them refused', () => {
    fc.assert(
      fc.property(jsonValues, layouts, (value, space) => {
        const text = JSON.stringify(value, null, space);
        const m = measure(value);
        const limits = exactly(m);
        assert.equal(findJsonLimitViolation(text, limits), null, text);
        if (m.depth > 1) assert.equal(limitOf(text, { ...limits, maxDepth: m.depth - 1 }), 'depth');
        if (m.values > 1) assert.equal(limitOf(text, { ...limits, maxValues: m.values - 1 }), 'values');
        if (m.longest > 1) assert.equal(limitOf(text, { ...limits, maxString: m.longest - 1 }), 'string');
      }),
      { numRuns: 2000, seed: 11 },
    );
  });

  it('property: a \\u0000 or an unpaired surrogate anywhere is refused', () => {
    const poisoned = fc.tuple(jsonValues, fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000', '\udc00\ud800'), fc.boolean());
    fc.assert(
      fc.property(poisoned, ([value, bad, asKey]) => {
        const text = JSON.stringify(asKey ? [value, { [bad]: 1 }] : [bad, value]);
        assert.equal(limitOf(text), bad.includes('\u0000') ? 'nul' : 'surrogate');
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  it('property: a number is refused exactly when it leaves the range of a double or is written beyond the bounds', () => {
    const digits = (max: number) => fc.string({ unit: fc.constantFrom('0', '0', '1', '5', '9'), minLength: 1, maxLength: max });
    const numbers = fc
      .tuple(fc.boolean(), digits(30), fc.option(digits(30)), fc.option(fc.tuple(fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 2000 }))))
      .map(([negative, whole, fraction, exponent]) => {
        const integer = whole.replace(/^0+(?=\d)/, '');
        return `${negative ? '-' : ''}${integer}${fraction === null ? '' : `.${fraction}`}${exponent === null ? '' : `e${exponent[0]}${exponent[1]}`}`;
      });
    fc.assert(
      fc.property(fc.oneof(numbers, fc.double({ noNaN: true, noDefaultInfinity: true }).map(String)), (number) => {
        const value = Number(number);
        const [mantissa, exponent] = number.toLowerCase().split('e');
        const expected =
          !Number.isFinite(value) || (value === 0 && /[1-9]/.test(mantissa!)) || (exponent !== undefined && Math.abs(Number(exponent)) > MAX_EXPONENT);
        assert.equal(limitOf(`[${number}]`), expected ? 'number' : null, number);
      }),
      { numRuns: 3000, seed: 13 },
    );
  });

  it('property: never throws on arbitrary text, and on any text that parses it is exact', () => {
    const alphabet = fc.constantFrom('{', '}', '[', ']', '"', '"', '\\', 'u', 'd', '8', '0', '1', ',', ':', 'n', 'a', ' ', '-', '.');
    const texts = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: alphabet, maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
      // Valid JSON with a few characters changed, dropped or inserted: close to what parses.
      fc.tuple(jsonValues, fc.array(fc.tuple(fc.nat(), fc.nat(2), alphabet), { maxLength: 3 })).map(([value, edits]) => {
        let text = JSON.stringify(value);
        for (const [at, kind, char] of edits) {
          const index = text.length === 0 ? 0 : at % text.length;
          text = text.slice(0, index) + (kind === 0 ? '' : char) + text.slice(kind === 1 ? index + 1 : index);
        }
        return text;
      }),
    );
    const small: JsonLimits = { maxDepth: 3, maxValues: 6, maxString: 4 };
    fc.assert(
      fc.property(texts, (text) => {
        const refused = findJsonLimitViolation(text, small);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          return;
        }
        const m = measure(parsed);
        // Numbers are measured by the property above; these texts hold no exponent beyond reach.
        const within = m.depth <= small.maxDepth && m.values <= small.maxValues && m.longest <= small.maxString && !m.nul && !m.surrogate;
        // Numbers have a property of their own; the scanner reads escapes, not raw surrogates (UTF-8 decoding leaves none).
        const exponent = /[eE]/.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
        if (!exponent && text.isWellFormed()) assert.equal(refused === null, within, text);
      }),
      { numRuns: 5000, seed: 14 },
    );
  });
});

describe('installJsonBodyLimits', () => {
  async function echoApp(limits: JsonLimits) {
    const app = Fastify();
    installErrorHandling(app, 1024 * 1024);
    installJsonBodyLimits(app, limits);
    app.post('/echo', async (request) => ({ body: request.body }));
    await app.ready();
    return app;
  }

  it('answers a refused body 400 in the envelope, naming the limit; parses the rest as Fastify does', async () => {
    const app = await echoApp({ maxDepth: 4, maxValues: 100, maxString: 100 });
    const post = (payload: string) => app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json; charset=utf-8' }, payload });
    const refused = await post('{"a":{"b":{"c":{"d":{"e":1}}}}}');
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(refused.json(), {
      code: 400,
      message: 'request body refused: JSON nests deeper than 4 levels (API_MAX_JSON_DEPTH)',
      data: { limit: 'depth', setting: 'API_MAX_JSON_DEPTH', max: 4, at: 20 },
    });
    assert.equal((await post('{"name":"a\\u0000b"}')).statusCode, 400);
    assert.deepEqual((await post('{"a":[1,"x",{"b":null}]}')).json(), { body: { a: [1, 'x', { b: null }] } });
    // Fastify's prototype-poisoning protection is kept.
    const poisoned = await post('{"__proto__":{"admin":true}}');
    assert.equal(poisoned.statusCode, 400);
    assert.match(poisoned.json().message, /not valid JSON/);
    assert.equal((await post('{"constructor":{"prototype":{"admin":true}}}')).statusCode, 400);
    // No body at all is no body (an action sent with the JSON content type), not a refusal.
    assert.deepEqual((await post('')).json(), {});
    assert.equal((await post('{"a":')).statusCode, 400);
    await app.close();
  });

  it('property: any JSON object within the limits arrives as JSON.parse reads it', async () => {
    const app = await echoApp(generous);
    const objects = fc.dictionary(fc.string({ unit: 'binary', maxLength: 10 }), jsonValues, { maxKeys: 5 }).filter((value) => {
      const m = measure(value);
      // Fastify refuses these keys anywhere (prototype poisoning), as it should.
      return !m.nul && !m.surrogate && !/"(?:__proto__|constructor)"/.test(JSON.stringify(value));
    });
    await fc.assert(
      fc.asyncProperty(objects, async (value) => {
        const text = JSON.stringify(value);
        const response = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: text });
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(response.json().body, JSON.parse(text));
      }),
      { numRuns: 300, seed: 15 },
    );
    await app.close();
  });
});
