/**
 * The daemon parses its numbers with Go's strconv; its clients rely on what that accepts. These
 * are ports of the three calls it makes, returning null where Go returns an error:
 * - `parseUintBase0(s, bits)`: strconv.ParseUint(s, 0, bits) (parameters, bits = 32)
 * - `parseIntBase0(s, bits)`: strconv.ParseInt(s, 0, bits) (a heartbeat's NID, bits = 64)
 * - `atoi(s)`: strconv.Atoi(s) (the port of Telemetry_host)
 * Base 0 means: `0x`/`0X` hexadecimal, `0o`/`0O` octal, `0b`/`0B` binary, another leading `0`
 * octal, otherwise decimal; `_` may separate digits (and follow a base prefix), nowhere else.
 */

const digitValue = (c: string): number => {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 122) return lower - 97 + 10;
  return -1;
};

/** Go's underscoreOK: underscores only between digits (a base prefix counts as a digit). */
function underscoresWellPlaced(s: string): boolean {
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes((s[1] ?? '').toLowerCase())) {
    i = 2;
    saw = '0';
    hex = (s[1] ?? '').toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    const isDigit = (c >= '0' && c <= '9') || (hex && /[a-f]/i.test(c));
    if (isDigit) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** Unsigned magnitude of `s` in base 0, or null on a syntax error; no range check. */
function unsignedBase0(s: string): bigint | null {
  if (s === '') return null;
  const original = s;
  let base = 10;
  if (s[0] === '0') {
    const prefix = (s[1] ?? '').toLowerCase();
    if (s.length >= 3 && prefix === 'b') [base, s] = [2, s.slice(2)];
    else if (s.length >= 3 && prefix === 'o') [base, s] = [8, s.slice(2)];
    else if (s.length >= 3 && prefix === 'x') [base, s] = [16, s.slice(2)];
    else [base, s] = [8, s.slice(1)];
  }
  let value = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const d = digitValue(c);
    if (d < 0 || d >= base) return null;
    value = value * BigInt(base) + BigInt(d);
  }
  if (underscores && !underscoresWellPlaced(original)) return null;
  return value;
}

export function parseUintBase0(s: string, bits: 32 | 64): bigint | null {
  const value = unsignedBase0(s);
  if (value === null || value > (1n << BigInt(bits)) - 1n) return null;
  return value;
}

export function parseIntBase0(s: string, bits: 32 | 64): bigint | null {
  if (s === '') return null;
  const negative = s[0] === '-';
  const digits = s[0] === '+' || s[0] === '-' ? s.slice(1) : s;
  const magnitude = unsignedBase0(digits);
  if (magnitude === null) return null;
  const limit = 1n << BigInt(bits - 1);
  if (negative ? magnitude > limit : magnitude > limit - 1n) return null;
  return negative ? -magnitude : magnitude;
}

/** strconv.Atoi: optional sign, decimal digits only, within a 64-bit int. */
export function atoi(s: string): bigint | null {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const value = BigInt(s);
  if (value > (1n << 63n) - 1n || value < -(1n << 63n)) return null;
  return value;
}
