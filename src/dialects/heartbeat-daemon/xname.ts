/**
 * Cray component names (xnames) as the daemon's libraries read them (hms-base `GetHMSType`,
 * `NormalizeHMSCompID`, `VerifyNormalizeCompID`). An xname is valid when it matches one of the
 * component patterns below, which are lowercase and exact: the daemon checks `X0C0S0B0N0` as
 * sent and refuses it, while Muster normalizes first (SPEC §8.1), so `X0C0S0B0N0` and
 * `x0c0s0b0n0` name the same component. Normalization: trim Go's white space, remove the
 * leading zeros of each run of digits, lowercase.
 */

/** Each component type and its pattern, as in hms-base's recognition table. */
const COMPONENT_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ['All', /^all$/],
  ['AllSvc', /^all_svc$/],
  ['AllComp', /^all_comp$/],
  ['Partition', /^p([0-9]+)([^\n]([0-9]+))?$/], // Go's unescaped '.': any rune but a newline
  ['System', /^s0$/],
  ['SMSBox', /^sms([0-9]+)$/],
  ['CDU', /^d([0-9]+)$/],
  ['CDUMgmtSwitch', /^d([0-9]+)w([0-9]+)$/],
  ['CabinetCDU', /^x([0-9]{1,4})d([0-1])$/],
  ['CabinetPDUController', /^x([0-9]{1,4})m([0-3])$/],
  ['CabinetPDU', /^x([0-9]{1,4})m([0-3])p([0-7])$/],
  ['CabinetPDUNic', /^x([0-9]{1,4})m([0-3])i([0-3])$/],
  ['CabinetPDUOutlet', /^x([0-9]{1,4})m([0-3])p([0-7])j([1-9][0-9]*)$/],
  ['CabinetPDUPowerConnector', /^x([0-9]{1,4})m([0-3])p([0-7])v([1-9][0-9]*)$/],
  ['CEC', /^x([0-9]{1,4})e([0-1])$/],
  ['Cabinet', /^x([0-9]{1,4})$/],
  ['CabinetBMC', /^x([0-9]{1,4})b([0])$/],
  ['Chassis', /^x([0-9]{1,4})c([0-7])$/],
  ['ChassisBMC', /^x([0-9]{1,4})c([0-7])b([0])$/],
  ['ChassisBMCNic', /^x([0-9]{1,4})c([0-7])b([0])i([0-3])$/],
  ['CMMFpga', /^x([0-9]{1,4})c([0-7])f([0])$/],
  ['CMMRectifier', /^x([0-9]{1,4})c([0-7])t([0-9])$/],
  ['ComputeModule', /^x([0-9]{1,4})c([0-7])s([0-9]+)$/],
  ['StorageGroup', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)g([0-9]+)$/],
  ['Drive', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)g([0-9]+)k([0-9]+)$/],
  ['NodeFpga', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)f([0])$/],
  ['NodeBMC', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)$/],
  ['NodeBMCNic', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)i([0-3])$/],
  ['NodeEnclosure', /^x([0-9]{1,4})c([0-7])s([0-9]+)e([0-9]+)$/],
  ['NodeEnclosurePowerSupply', /^x([0-9]{1,4})c([0-7])s([0-9]+)e([0-9]+)t([0-9]+)$/],
  ['NodePowerConnector', /^x([0-9]{1,4})c([0-7])s([0-9]+)[jv]([1-2])$/],
  ['HSNBoard', /^x([0-9]{1,4})c([0-7])r([0-9]+)e([0-9]+)$/],
  ['Node', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)$/],
  ['NodeNic', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)i([0-3])$/],
  ['NodeHsnNic', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)h([0-3])$/],
  ['NodeAccel', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)a([0-9]+)$/],
  ['NodeAccelRiser', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)r([0-7])$/],
  ['Memory', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)d([0-9]+)$/],
  ['Processor', /^x([0-9]{1,4})c([0-7])s([0-9]+)b([0-9]+)n([0-9]+)p([0-3])$/],
  ['RouterModule', /^x([0-9]{1,4})c([0-7])r([0-9]+)$/],
  ['RouterFpga', /^x([0-9]{1,4})c([0-7])r([0-9]+)f([01])$/],
  ['RouterTOR', /^x([0-9]{1,4})c([0-7])r([0-9]+)t([0-9]+)$/],
  ['RouterTORFpga', /^x([0-9]{1,4})c([0-7])r([0-9]+)t([0-9]+)f([0-1])$/],
  ['RouterBMC', /^x([0-9]{1,4})c([0-7])r([0-9]+)b([0-9]+)$/],
  ['RouterBMCNic', /^x([0-9]{1,4})c([0-7])r([0-9]+)b([0-9]+)i([0-3])$/],
  ['RouterPowerConnector', /^x([0-9]{1,4})c([0-7])r([0-9]+)v([1-2])$/],
  ['HSNAsic', /^x([0-9]{1,4})c([0-7])r([0-9]+)a([0-3])$/],
  ['HSNConnector', /^x([0-9]{1,4})c([0-7])r([0-9]+)j([1-9][0-9]*)$/],
  ['HSNConnectorPort', /^x([0-9]{1,4})c([0-7])r([0-9]+)j([1-9][0-9]*)p([012])$/],
  ['HSNLink', /^x([0-9]{1,4})c([0-7])r([0-9]+)a([0-3])l([0-9]+)$/],
  ['MgmtSwitch', /^x([0-9]{1,4})c([0-7])w([1-9][0-9]*)$/],
  ['MgmtSwitchConnector', /^x([0-9]{1,4})c([0-7])w([1-9][0-9]*)j([1-9][0-9]*)$/],
  ['MgmtHLSwitchEnclosure', /^x([0-9]{1,4})c([0-7])h([1-9][0-9]*)$/],
  ['MgmtHLSwitch', /^x([0-9]{1,4})c([0-7])h([1-9][0-9]*)s([1-9])$/],
];

// The patterns never overlap (hms-base walks them in Go's random map order), so the most common
// one, a node, can be tried first.
const PATTERNS_NODE_FIRST = [...COMPONENT_PATTERNS].sort(([a], [b]) => Number(b === 'Node') - Number(a === 'Node'));

/** The component type of an xname exactly as written (GetHMSType), or null when it is not an xname. */
export function xnameType(name: string): string | null {
  for (const [type, pattern] of PATTERNS_NODE_FIRST) if (pattern.test(name)) return type;
  return null;
}

// Go's unicode.IsSpace; JavaScript's trim() differs (it trims U+FEFF, not U+0085).
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

// Latin-1 code points that unicode.IsNumber accepts: RemoveLeadingZeros reads UTF-8 bytes as runes.
const NUMERIC_HIGH_BYTES = new Set([0xb2, 0xb3, 0xb9, 0xbc, 0xbd, 0xbe]);
const isNumberByte = (byte: number): boolean => (byte >= 0x30 && byte <= 0x39) || NUMERIC_HIGH_BYTES.has(byte);

const isAscii = (s: string): boolean => !/[^\p{ASCII}]/u.test(s);

/** hms-base RemoveLeadingZeros: a `0` that follows a non-digit and precedes a digit is dropped. */
function removeLeadingZeros(s: string): string {
  // ASCII, the usual case: each character is its byte and only 0-9 are numbers.
  if (isAscii(s)) return s.replace(/(?<![0-9])0+(?=[0-9])/g, '');
  const bytes = new TextEncoder().encode(s);
  if (bytes.length < 2) return s;
  const kept: number[] = [];
  let lastWasLetter = true;
  let i = 0;
  for (; i < bytes.length - 1; i++) {
    const byte = bytes[i]!;
    if (byte === 0x30 && lastWasLetter && isNumberByte(bytes[i + 1]!)) continue;
    lastWasLetter = !isNumberByte(byte);
    kept.push(byte);
  }
  kept.push(bytes[i]!);
  return new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(kept)); // keep a leading U+FEFF
}

/** Go's strings.ToLower: per code point, so U+0130 (İ) becomes a plain `i`. */
function goLowercase(s: string): string {
  if (isAscii(s)) return s.toLowerCase();
  let out = '';
  for (const rune of s) out += rune === '\u0130' ? 'i' : rune.toLowerCase();
  return out;
}

/** NormalizeHMSCompID: the canonical spelling, whether or not the name is valid. */
export function normalizeXname(name: string): string {
  return goLowercase(removeLeadingZeros(name.replace(GO_TRIM, '')));
}

/** VerifyNormalizeCompID: the normalized xname, or null when it is not a valid one. */
export function verifyNormalizeXname(name: string): string | null {
  const normalized = normalizeXname(name);
  return xnameType(normalized) === null ? null : normalized;
}
