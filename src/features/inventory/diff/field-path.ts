/**
 * The field path grammar shared by the diff (which writes paths) and the change rules (which
 * read them and match patterns against them). A path names one place in an inventory:
 *
 *   os.version                      object keys joined by dots
 *   network.interfaces["eth0.10"]   a key that is not plain is a JSON string in brackets
 *   facts.modules[id=mail1].version an array element named by an identifier field
 *   facts.pci[2]                    an array element without identifier, by index
 *   facts.dns_servers[=8.8.8.8]     an element of an array of scalars, by its value
 *   ""                              the whole document (only when its root changes type)
 *
 * A key is plain when it is non-empty and holds no whitespace, control character, `.`, `[`, `]`,
 * `"` or `\`. A value inside `[key=…]` or `[=…]` is written bare when it is a string that holds
 * none of whitespace, control characters, `"`, `\`, `[`, `]` and does not read as a JSON number,
 * `true`, `false` or `null`; otherwise it is written as JSON (so the string "1" is `"1"` and the
 * number 1 is `1`). Element segments never begin with `"`, so `["…"]` is always a key.
 */

export type PathSegment =
  /** An object key, decoded. */
  | { kind: 'key'; key: string }
  /** An array element: the text between the brackets as written (`0`, `id=mail1`, `=8.8.8.8`). */
  | { kind: 'element'; text: string };

export type IdentifierValue = string | number;
export type ScalarValue = string | number | boolean | null;

// Whitespace (\s), `.` `[` `]` `"` `\` and every control, format, surrogate or unassigned code point.
const PLAIN_KEY = /^[^\s.[\]"\\\p{C}]+$/u;
const BARE_VALUE = /^[^\s[\]"\\\p{C}]+$/u;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const IDENTIFIER_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** True when `key` can be written without brackets. */
export function isPlainKey(key: string): boolean {
  return PLAIN_KEY.test(key);
}

/** True when `name` may be used as an identifier field in `[name=value]` segments. */
export function isValidIdentifierKey(name: string): boolean {
  return IDENTIFIER_KEY.test(name);
}

/** The path of `key` inside the object at `parent`. */
export function appendKey(parent: string, key: string): string {
  if (!PLAIN_KEY.test(key)) return `${parent}[${JSON.stringify(key)}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

export function indexSegment(index: number): string {
  return `[${index}]`;
}

export function identifierSegment(key: string, value: IdentifierValue): string {
  return `[${key}=${renderScalar(value)}]`;
}

export function valueSegment(value: ScalarValue): string {
  return `[=${renderScalar(value)}]`;
}

/** A scalar as written inside brackets: bare where unambiguous, JSON otherwise. */
export function renderScalar(value: ScalarValue): string {
  if (typeof value !== 'string') return JSON.stringify(value);
  if (BARE_VALUE.test(value) && !JSON_NUMBER.test(value) && value !== 'true' && value !== 'false' && value !== 'null') return value;
  return JSON.stringify(value);
}

/**
 * Splits a path (or a rule pattern, which uses the same grammar) into segments.
 * Throws a SyntaxError naming the position of the first malformed part.
 */
export function parseFieldPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let at = 0;
  const fail = (reason: string): never => {
    throw new SyntaxError(`invalid path ${JSON.stringify(path)} at character ${at}: ${reason}`);
  };
  while (at < path.length) {
    const char = path[at];
    if (char === '[') {
      at++;
      if (path[at] === '"') {
        const end = endOfJsonString(path, at);
        if (end < 0) fail('unterminated quoted key');
        if (path[end] !== ']') fail('expected "]" after a quoted key');
        let key = '';
        try {
          key = JSON.parse(path.slice(at, end)) as string;
        } catch {
          fail('invalid escape in a quoted key');
        }
        segments.push({ kind: 'key', key });
        at = end + 1;
      } else {
        const start = at;
        while (at < path.length && path[at] !== ']') {
          if (path[at] === '"') {
            const end = endOfJsonString(path, at);
            if (end < 0) fail('unterminated quoted value');
            at = end;
          } else {
            at++;
          }
        }
        if (at >= path.length) fail('missing "]"');
        if (at === start) fail('empty brackets');
        segments.push({ kind: 'element', text: path.slice(start, at) });
        at++;
      }
      continue;
    }
    if (char === '.') {
      if (segments.length === 0) fail('a path cannot start with "."');
      at++;
    } else if (segments.length > 0) {
      fail('expected "." or "["');
    }
    const start = at;
    while (at < path.length && path[at] !== '.' && path[at] !== '[') at++;
    const key = path.slice(start, at);
    if (key === '') fail('empty key');
    if (!PLAIN_KEY.test(key)) fail(`key ${JSON.stringify(key)} must be quoted as [${JSON.stringify(key)}]`);
    segments.push({ kind: 'key', key });
  }
  return segments;
}

/** Index just past the closing quote of the JSON string starting at `start`, or -1. */
function endOfJsonString(text: string, start: number): number {
  for (let at = start + 1; at < text.length; at++) {
    const char = text[at];
    if (char === '\\') at++;
    else if (char === '"') return at + 1;
  }
  return -1;
}
