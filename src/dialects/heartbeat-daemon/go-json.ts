/**
 * How the daemon reads and writes JSON is Go's encoding/json; its clients were written against
 * that, so Muster decodes the daemon's bodies the same way:
 *
 * - A key matches a struct field case-insensitively, under Unicode simple case folding
 *   (bytes.EqualFold): `timestamp`, `TIMESTAMP` and `TimeStamp` all fill `Timestamp`, and so do
 *   `ſtatus` (U+017F) for `Status` and `K` (U+212A, Kelvin) for a `k`. An exact match is only
 *   preferred over a folded one between two fields of one struct, which the daemon's structs
 *   never have; so every matching key is decoded, in document order, and the LAST one wins
 *   (`{"Status":"a","status":"b"}` gives `b`). A `null` leaves the field as it was.
 * - A non-string value for a string field is an error, but decoding goes on.
 * - A top-level `null` decodes to nothing (no error); any other non-object is an error.
 *
 * JSON.parse alone cannot give this: it collapses duplicate keys and reorders them, so the
 * members are read from the text in order.
 */

export type JsonMember = { key: string; value: unknown };

/** The top-level members of a JSON text in document order; 'null' for `null`; 'not-object' for another value; 'syntax-error'. */
export function readTopLevelMembers(text: string): JsonMember[] | 'null' | 'not-object' | 'syntax-error' {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'syntax-error';
  }
  if (parsed === null) return 'null';
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return 'not-object';
  // The text is valid JSON and an object: a plain scan is safe.
  const members: JsonMember[] = [];
  let i = skipWhitespace(text, 0) + 1; // past '{'
  i = skipWhitespace(text, i);
  if (text[i] === '}') return members;
  for (;;) {
    const keyEnd = endOfString(text, i);
    const key = stringToken(text, i, keyEnd);
    i = skipWhitespace(text, keyEnd) + 1; // past ':'
    i = skipWhitespace(text, i);
    const valueEnd = endOfValue(text, i);
    members.push({ key, value: valueToken(text, i, valueEnd) });
    i = skipWhitespace(text, valueEnd);
    if (text[i] === '}') return members;
    i = skipWhitespace(text, i + 1); // past ','
  }
}

/** A string token's value; JSON.parse only when it holds an escape (a heartbeat's never do). */
function stringToken(text: string, start: number, end: number): string {
  const inner = text.slice(start + 1, end - 1);
  return inner.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : inner;
}

function valueToken(text: string, start: number, end: number): unknown {
  const first = text[start];
  if (first === '"') return stringToken(text, start, end);
  if (first === 'n') return null;
  if (first === 't') return true;
  if (first === 'f') return false;
  return JSON.parse(text.slice(start, end)) as unknown;
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  return i;
}

/** `i` at an opening quote; returns the index just past the closing quote. */
function endOfString(text: string, i: number): number {
  let j = i + 1;
  while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

function endOfValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return endOfString(text, i);
  if (first === '{' || first === '[') {
    let depth = 0;
    let j = i;
    for (;;) {
      const c = text[j];
      if (c === '"') {
        j = endOfString(text, j);
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
  }
  let j = i;
  while (j < text.length && !',}] \t\n\r'.includes(text[j]!)) j++;
  return j;
}

/** bytes.EqualFold between a JSON key and an ASCII field name. */
export function keyMatchesField(key: string, field: string): boolean {
  if (key === field) return true; // the common case, on every heartbeat
  const runes = [...key];
  if (runes.length !== field.length) return false;
  return runes.every((rune, index) => {
    const expected = field[index]!.toLowerCase();
    if (rune.toLowerCase() === expected && rune.charCodeAt(0) < 128) return true;
    return (rune === '\u017f' && expected === 's') || (rune === '\u212a' && expected === 'k');
  });
}

export type StringStructDecode<F extends string> = {
  /** Each field's decoded value; '' when absent, as in Go. */
  values: Record<F, string>;
  /** Whether Go's Unmarshal into the struct reports an error. */
  failed: boolean;
  /** The members read, in document order (for the error message). */
  members: JsonMember[];
};

/**
 * Go's json.Unmarshal of `text` into a struct whose fields (in declaration order) are all
 * strings; null when the text is not JSON at all or not an object (Unmarshal into a map fails too).
 */
export function decodeStringStruct<F extends string>(text: string, fields: readonly F[]): StringStructDecode<F> | null {
  const values = {} as Record<F, string>;
  for (const field of fields) values[field] = '';
  const members = readTopLevelMembers(text);
  if (members === 'syntax-error' || members === 'not-object') return null;
  if (members === 'null') return { values, failed: false, members: [] };
  let failed = false;
  for (const { key, value } of members) {
    const field = fields.find((candidate) => keyMatchesField(key, candidate));
    if (field === undefined || value === null) continue;
    if (typeof value === 'string') values[field] = value;
    else failed = true;
  }
  return { values, failed, members };
}

/**
 * The field the daemon names when Unmarshal failed: the first field, in declaration order,
 * whose EXACT key holds a non-string (the daemon looks the names up in a map, so a wrongly
 * typed `component` is not found and the generic message is given).
 */
export function firstMistypedExactField<F extends string>(decoded: StringStructDecode<F>, fields: readonly F[]): F | undefined {
  // Go's json.Unmarshal into map[string]interface{}: the last value of each exact key.
  const exactKeys = new Map(decoded.members.map(({ key, value }) => [key, value]));
  return fields.find((field) => {
    const value = exactKeys.get(field);
    return value !== undefined && value !== null && typeof value !== 'string';
  });
}

/** JSON as Go's json.Marshal writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped, lone surrogates as U+FFFD. */
export function goJsonStringify(value: unknown): string {
  // An escaped backslash is matched first so that a literal "\\ud800" in a string is left alone.
  return JSON.stringify(value).replace(/\\\\|\\ud[89a-f][0-9a-f]{2}|[<>&\u2028\u2029]/g, (match) => {
    if (match === '\\\\') return match;
    if (match.startsWith('\\')) return '\\ufffd';
    return `\\u${match.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
