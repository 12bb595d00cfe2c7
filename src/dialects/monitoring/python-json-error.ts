/**
 * Where and why Python's `json.loads` (CPython 3.11/3.12's C scanner, which the peer's FastAPI
 * uses to decode the body) refuses a text, for FastAPI's `json_invalid` error: `pos` is the
 * index in code points, `msg` the JSONDecodeError's message without its position suffix.
 *
 * Only called after JSON.parse has refused the text, so it only has to find the error, never to
 * build a value. It walks iteratively, so that a deeply nested body cannot overflow the stack.
 *
 * Approximations, chosen to stay small:
 * - Python accepts the literals NaN, Infinity and -Infinity; they are refused here with
 *   "Expecting value" at their start (Muster refuses non-finite numbers anyway).
 * - The messages are those of Python ≤ 3.12; 3.13 says "Illegal trailing comma before end of
 *   object/array" where this says "Expecting property name enclosed in double quotes" or
 *   "Expecting value".
 */
export type PythonJsonError = { pos: number; msg: string };

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isWhitespace = (c: number): boolean => c === SPACE || c === TAB || c === LF || c === CR;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

function skipWhitespace(text: string, pos: number): number {
  while (pos < text.length && isWhitespace(text.charCodeAt(pos))) pos++;
  return pos;
}

/** Python counts code points, JavaScript UTF-16 units: subtract the surrogate pairs before `pos`. */
function codePointIndex(text: string, pos: number): number {
  let pairs = 0;
  for (let i = 0; i + 1 < pos; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return pos - pairs;
}

/** The end of the string whose opening quote is at `start`, or its error (as scanstring_unicode). */
function scanString(text: string, start: number): number | PythonJsonError {
  const length = text.length;
  let pos = start + 1;
  for (;;) {
    if (pos >= length) return { pos: start, msg: 'Unterminated string starting at' };
    const c = text.charCodeAt(pos);
    if (c === QUOTE) return pos + 1;
    if (c < 0x20) return { pos, msg: 'Invalid control character at' };
    if (c !== BACKSLASH) {
      pos++;
      continue;
    }
    if (pos + 1 >= length) return { pos: start, msg: 'Unterminated string starting at' };
    const escape = text[pos + 1];
    if (escape === 'u') {
      // CPython wants the four digits and one more character before it looks at the digits.
      const u = pos + 1;
      if (u + 5 >= length) return { pos: u, msg: 'Invalid \\uXXXX escape' };
      for (let i = u + 1; i <= u + 4; i++) if (!isHex(text.charCodeAt(i))) return { pos: u, msg: 'Invalid \\uXXXX escape' };
      pos = u + 5;
      continue;
    }
    if (escape === undefined || !'"\\/bfnrt'.includes(escape)) return { pos, msg: 'Invalid \\escape' };
    pos += 2;
  }
}

/** The end of the number at `pos` as CPython's _match_number_unicode reads it, or -1. */
function scanNumber(text: string, pos: number): number {
  const length = text.length;
  if (text.charCodeAt(pos) === 0x2d) pos++;
  const first = text.charCodeAt(pos);
  if (first === 0x30) pos++;
  else if (first >= 0x31 && first <= 0x39) while (pos < length && isDigit(text.charCodeAt(pos))) pos++;
  else return -1;
  if (text.charCodeAt(pos) === 0x2e && isDigit(text.charCodeAt(pos + 1))) {
    pos += 2;
    while (pos < length && isDigit(text.charCodeAt(pos))) pos++;
  }
  const e = text.charCodeAt(pos);
  if (e === 0x65 || e === 0x45) {
    let exponent = pos + 1;
    const sign = text.charCodeAt(exponent);
    if (sign === 0x2b || sign === 0x2d) exponent++;
    const digits = exponent;
    while (exponent < length && isDigit(text.charCodeAt(exponent))) exponent++;
    if (exponent > digits) pos = exponent;
  }
  return pos;
}

const LITERALS = ['null', 'true', 'false'] as const;

function locate(text: string): PythonJsonError | null {
  const length = text.length;
  // The open containers, innermost last: true for an object, false for an array.
  const open: boolean[] = [];
  let pos = skipWhitespace(text, 0);
  let state: 'value' | 'key' | 'after' = 'value';
  for (;;) {
    if (state === 'key') {
      if (pos >= length || text.charCodeAt(pos) !== QUOTE) return { pos, msg: 'Expecting property name enclosed in double quotes' };
      const end = scanString(text, pos);
      if (typeof end !== 'number') return end;
      pos = skipWhitespace(text, end);
      if (text[pos] !== ':') return { pos, msg: "Expecting ':' delimiter" };
      pos = skipWhitespace(text, pos + 1);
      state = 'value';
    } else if (state === 'value') {
      if (pos >= length) return { pos, msg: 'Expecting value' };
      const c = text[pos];
      if (c === '"') {
        const end = scanString(text, pos);
        if (typeof end !== 'number') return end;
        pos = end;
        state = 'after';
      } else if (c === '{' || c === '[') {
        const inner = skipWhitespace(text, pos + 1);
        if (text[inner] === (c === '{' ? '}' : ']')) {
          pos = inner + 1;
          state = 'after';
        } else {
          open.push(c === '{');
          pos = inner;
          state = c === '{' ? 'key' : 'value';
        }
      } else {
        const literal = LITERALS.find((word) => text.startsWith(word, pos));
        const end = literal === undefined ? scanNumber(text, pos) : pos + literal.length;
        if (end < 0) return { pos, msg: 'Expecting value' };
        pos = end;
        state = 'after';
      }
    } else {
      pos = skipWhitespace(text, pos);
      const inObject = open.at(-1);
      if (inObject === undefined) return pos === length ? null : { pos, msg: 'Extra data' };
      if (text[pos] === (inObject ? '}' : ']')) {
        open.pop();
        pos++;
      } else if (text[pos] === ',') {
        pos = skipWhitespace(text, pos + 1);
        state = inObject ? 'key' : 'value';
      } else {
        return { pos, msg: "Expecting ',' delimiter" };
      }
    }
  }
}

/** The error Python's json module reports for `text`, which JSON.parse has refused. */
export function pythonJsonError(text: string): PythonJsonError {
  // A text that only JSON.parse refuses cannot be found here: say so at its start.
  const error = locate(text) ?? { pos: 0, msg: 'Expecting value' };
  return { pos: codePointIndex(text, error.pos), msg: error.msg };
}
