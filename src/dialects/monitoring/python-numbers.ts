/**
 * Strings as pydantic-core's lax mode reads them into an int or a float field (its str_as_int
 * and str_as_float, Rust's parsers underneath), checked against pydantic 2.13. Hand-written so
 * that the common case allocates nothing.
 */

/** Rust's `char::is_whitespace` (Unicode White_Space), which `str::trim` strips. */
function isRustWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  return (
    c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const UNDERSCORE = 0x5f;

/**
 * An int string: trimmed, an optional sign, digits with single underscores between them, and
 * optionally a "." followed only by zeros ("12.00"). NaN when it is not one; Infinity when it is
 * one beyond Number.MAX_SAFE_INTEGER (pydantic would accept up to 4300 digits).
 * Not reproduced: pydantic's leading-zero stripping also lets through "0-1" (-1), "0__1" (1) and
 * "0_-1" (-1); these are refused here as int_parsing.
 */
export function parseIntString(text: string): number {
  let start = 0;
  let end = text.length;
  while (start < end && isRustWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isRustWhitespace(text.charCodeAt(end - 1))) end--;
  let negative = false;
  const sign = text.charCodeAt(start);
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    start++;
  }
  let value = 0;
  let digits = 0;
  let pos = start;
  for (; pos < end; pos++) {
    const c = text.charCodeAt(pos);
    if (isDigit(c)) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else if (c === UNDERSCORE && pos > start && isDigit(text.charCodeAt(pos - 1)) && pos + 1 < end && isDigit(text.charCodeAt(pos + 1))) {
      continue;
    } else {
      break;
    }
  }
  if (digits === 0) return NaN;
  if (pos < end) {
    // Only ".0", ".00", … may follow the digits.
    if (text.charCodeAt(pos) !== 0x2e || pos + 1 === end) return NaN;
    for (pos++; pos < end; pos++) if (text.charCodeAt(pos) !== 0x30) return NaN;
  }
  // Past 2^53 the sum above is no longer exact: such a value is refused, never used.
  if (value > Number.MAX_SAFE_INTEGER) return Infinity;
  return negative ? -value || 0 : value;
}

/** Rust's f64 grammar: a sign, then inf, infinity, nan (any case) or digits with "." and exponent. */
function isRustFloat(text: string, start: number, end: number): boolean {
  const sign = text.charCodeAt(start);
  if (sign === 0x2b || sign === 0x2d) start++;
  if (end - start <= 8) {
    const word = text.slice(start, end).toLowerCase();
    if (word === 'inf' || word === 'infinity' || word === 'nan') return true;
  }
  let pos = start;
  while (pos < end && isDigit(text.charCodeAt(pos))) pos++;
  let digits = pos - start;
  if (pos < end && text.charCodeAt(pos) === 0x2e) {
    const fraction = ++pos;
    while (pos < end && isDigit(text.charCodeAt(pos))) pos++;
    digits += pos - fraction;
  }
  if (digits === 0) return false;
  if (pos < end && (text.charCodeAt(pos) | 0x20) === 0x65) {
    pos++;
    const exponentSign = text.charCodeAt(pos);
    if (exponentSign === 0x2b || exponentSign === 0x2d) pos++;
    const exponentStart = pos;
    while (pos < end && isDigit(text.charCodeAt(pos))) pos++;
    if (pos === exponentStart) return false;
  }
  return pos === end;
}

function rustFloat(text: string, start: number, end: number): number | undefined {
  if (!isRustFloat(text, start, end)) return undefined;
  const number = text.slice(start, end).toLowerCase();
  // Number() spells the specials "Infinity" and "NaN" only.
  if (number.endsWith('nan')) return NaN;
  if (number.endsWith('inf') || number.endsWith('infinity')) return number.startsWith('-') ? -Infinity : Infinity;
  return Number(number);
}

/**
 * A float string: trimmed and read by Rust's grammar; failing that, the untrimmed text without
 * its underscores, unless it starts or ends with one or holds two in a row (so " 1_0.5 " fails,
 * as in pydantic). Undefined when it is not one; possibly non-finite ("inf", "1e400").
 */
export function parseFloatString(text: string): number | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && isRustWhitespace(text.charCodeAt(start))) start++;
  while (end > start && isRustWhitespace(text.charCodeAt(end - 1))) end--;
  const plain = rustFloat(text, start, end);
  if (plain !== undefined || !text.includes('_')) return plain;
  if (text.startsWith('_') || text.endsWith('_') || text.includes('__')) return undefined;
  const stripped = text.replaceAll('_', '');
  return rustFloat(stripped, 0, stripped.length);
}
