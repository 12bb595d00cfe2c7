import { decodeStringStruct, firstMistypedExactField } from './go-json.ts';
import { atoi, parseUintBase0 } from './go-strconv.ts';

/**
 * The daemon's operational parameters (`GET`/`PATCH /params`, SPEC §8.1), independent of where
 * Muster keeps them: a plain object in, a plain object out. The rules are the daemon's
 * `parse_parm_json` with `PARAM_PATCH`:
 * - keys decoded as Go does (case-insensitive, last wins); an empty string means "not given";
 * - a non-string value rejects the PATCH with `Invalid data type in <Field> field. ` (first field
 *   in declaration order spelled exactly), or no detail at all when only a differently spelled
 *   key is mistyped, or `Invalid JSON data type` for a body that is not a JSON object;
 * - otherwise every field is checked in the daemon's order and each bad one adds a clause to the
 *   detail; any clause rejects the whole PATCH.
 */

export type HeartbeatDaemonParams = {
  debug: number;
  nosm: 0 | 1;
  useTelemetry: 0 | 1;
  /** `host:port:topic`, or '' when unset. */
  telemetryHost: string;
  /** Seconds before a warning. */
  warntime: number;
  /** Seconds before a component is declared dead. */
  errtime: number;
  /** Set at start-up in the daemon, never by PATCH. */
  port: string;
  kvUrl: string;
  /** Seconds between scans. */
  interval: number;
  smUrl: string;
  smTimeout: number;
  smRetries: number;
};

export const DEFAULT_PARAMS: Readonly<HeartbeatDaemonParams> = Object.freeze({
  debug: 0,
  nosm: 0,
  useTelemetry: 1,
  telemetryHost: '',
  warntime: 10,
  errtime: 30,
  port: '28500',
  kvUrl: 'https://localhost:2379',
  interval: 5,
  smUrl: 'http://localhost:27779/hsm/v1',
  smTimeout: 10,
  smRetries: 3,
});

/** The wire keys, in the order the daemon's struct (and so its JSON) has them. */
export const PARAM_FIELDS = [
  'Debug',
  'Nosm',
  'Use_telemetry',
  'Telemetry_host',
  'Warntime',
  'Errtime',
  'Port',
  'Kv_url',
  'Interval',
  'Sm_url',
  'Sm_timeout',
  'Sm_retries',
] as const;
export type ParamField = (typeof PARAM_FIELDS)[number];
export type ParamsWire = Record<ParamField, string>;

/** The body of GET /params (and of a successful PATCH): every value a decimal string. */
export function renderParams(params: HeartbeatDaemonParams): ParamsWire {
  return {
    Debug: String(params.debug),
    Nosm: String(params.nosm),
    Use_telemetry: String(params.useTelemetry),
    Telemetry_host: params.telemetryHost,
    Warntime: String(params.warntime),
    Errtime: String(params.errtime),
    Port: params.port,
    Kv_url: params.kvUrl,
    Interval: String(params.interval),
    Sm_url: params.smUrl,
    Sm_timeout: String(params.smTimeout),
    Sm_retries: String(params.smRetries),
  };
}

export type ParamsPatchResult = { ok: true; params: HeartbeatDaemonParams } | { ok: false; detail: string };

const TRUE_WORDS = new Set(['1', 'yes', 'on', 'true']);
const FALSE_WORDS = new Set(['0', 'no', 'off', 'false']);

/** The daemon's flag words, case-insensitive (Go's strings.ToLower, as in xname.ts). */
function parseFlag(value: string): 0 | 1 | null {
  const lower = [...value].map((rune) => (rune === '\u0130' ? 'i' : rune.toLowerCase())).join('');
  if (FALSE_WORDS.has(lower)) return 0;
  if (TRUE_WORDS.has(lower)) return 1;
  return null;
}

/** The daemon's get_telemetry_host: exactly three `:`-separated parts, the second an integer. */
export function isTelemetryHost(value: string): boolean {
  const parts = value.split(':');
  return parts.length === 3 && atoi(parts[1]!) !== null;
}

/** Apply a PATCH body (raw text) to `current`: the new full set, or the daemon's detail. */
export function applyParamsPatch(current: HeartbeatDaemonParams, text: string): ParamsPatchResult {
  const decoded = decodeStringStruct(text, PARAM_FIELDS);
  if (decoded === null) return { ok: false, detail: 'Invalid JSON data type' };
  if (decoded.failed) {
    const field = firstMistypedExactField(decoded, PARAM_FIELDS);
    return { ok: false, detail: field === undefined ? '' : `Invalid data type in ${field} field. ` };
  }
  const given = decoded.values;
  const next: HeartbeatDaemonParams = { ...current };
  let detail = '';
  let bad = false;
  const illegal = (name: string, value: string, wording = 'with illegal value'): void => {
    detail += `Parameter '${name}' ${wording} '${value}'; `;
    bad = true;
  };
  const unsigned = (name: string, value: string, set: (parsed: number) => void): void => {
    if (value === '') return;
    const parsed = parseUintBase0(value, 32);
    if (parsed === null) illegal(name, value);
    else set(Number(parsed));
  };

  unsigned('debug', given.Debug, (parsed) => (next.debug = parsed));
  if (given.Nosm !== '') {
    const flag = parseFlag(given.Nosm);
    if (flag === null) illegal('nosm', given.Nosm);
    else next.nosm = flag;
  }
  if (given.Use_telemetry !== '') {
    const flag = parseFlag(given.Use_telemetry);
    if (flag === null) illegal('use_telemetry', given.Use_telemetry, 'with unknown value');
    else next.useTelemetry = flag;
  }
  if (given.Telemetry_host !== '') {
    if (isTelemetryHost(given.Telemetry_host)) next.telemetryHost = given.Telemetry_host;
    else illegal('telemetry_host', given.Telemetry_host, 'with invalid format');
  }
  unsigned('warntime', given.Warntime, (parsed) => (next.warntime = parsed));
  unsigned('errtime', given.Errtime, (parsed) => (next.errtime = parsed));
  unsigned('interval', given.Interval, (parsed) => (next.interval = parsed));
  if (given.Kv_url !== '') next.kvUrl = given.Kv_url;
  if (given.Port !== '') {
    detail += "Parameter 'port' can't be changed in PATCH operation; ";
    bad = true;
  }
  if (given.Sm_url !== '') next.smUrl = given.Sm_url;
  unsigned('sm_timeout', given.Sm_timeout, (parsed) => (next.smTimeout = parsed));
  unsigned('sm_retries', given.Sm_retries, (parsed) => (next.smRetries = parsed));

  return bad ? { ok: false, detail } : { ok: true, params: next };
}
