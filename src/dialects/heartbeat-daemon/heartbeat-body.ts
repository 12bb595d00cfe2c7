import { decodeStringStruct, firstMistypedExactField } from './go-json.ts';
import { parseIntBase0 } from './go-strconv.ts';
import { verifyNormalizeXname } from './xname.ts';

/**
 * The bodies of `POST /heartbeat` and `POST /heartbeat/{xname}` (SPEC §8.1), decoded as the
 * daemon's Go structs are (go-json.ts: keys case-insensitive, the last matching key wins), with
 * the daemon's 400 details in the daemon's order:
 * 1. not JSON, or not an object: `Invalid JSON data type`;
 * 2. a non-string value: `Invalid data type in <Field> field` when the key is spelled exactly
 *    as the field, else `Invalid JSON data type` (the daemon looks the exact names up);
 * 3. `Missing <Field> field` for the first empty required field (an empty string is missing);
 * 4. `Invalid Component Name`, then `Invalid NID` (Go's ParseInt base 0, 64 bits).
 * Unlike the daemon, Hostname and NID are optional (SPEC §8.1; the daemon requires both) and
 * the component is normalized (xname.ts).
 */

export type Heartbeat = {
  /** The normalized xname. */
  component: string;
  hostname?: string;
  /** As sent; valid for Go's ParseInt(nid, 0, 64). */
  nid?: string;
  status: string;
  /** As sent: the daemon stores it and never reads it. */
  timestamp: string;
};

export type HeartbeatBodyResult = { ok: true; heartbeat: Heartbeat } | { ok: false; detail: string };

const FULL_FIELDS = ['Component', 'Hostname', 'NID', 'Status', 'Timestamp'] as const;
const PATH_FIELDS = ['Status', 'Timestamp'] as const;

export const INVALID_JSON = 'Invalid JSON data type';
export const INVALID_COMPONENT = 'Invalid Component Name';
export const INVALID_NID = 'Invalid NID';

const failure = (detail: string): HeartbeatBodyResult => ({ ok: false, detail });

function decode<F extends string>(text: string, fields: readonly F[]): { values: Record<F, string> } | { detail: string } {
  const decoded = decodeStringStruct(text, fields);
  if (decoded === null) return { detail: INVALID_JSON };
  if (decoded.failed) {
    const field = firstMistypedExactField(decoded, fields);
    return { detail: field === undefined ? INVALID_JSON : `Invalid data type in ${field} field` };
  }
  return { values: decoded.values };
}

/** `POST /heartbeat`: `text` is the raw body (UTF-8 decoded). */
export function parseHeartbeatBody(text: string): HeartbeatBodyResult {
  const decoded = decode(text, FULL_FIELDS);
  if ('detail' in decoded) return failure(decoded.detail);
  const { Component, Hostname, NID, Status, Timestamp } = decoded.values;
  for (const [field, value] of [
    ['Component', Component],
    ['Status', Status],
    ['Timestamp', Timestamp],
  ] as const) {
    if (value === '') return failure(`Missing ${field} field`);
  }
  const component = verifyNormalizeXname(Component);
  if (component === null) return failure(INVALID_COMPONENT);
  if (NID !== '' && parseIntBase0(NID, 64) === null) return failure(INVALID_NID);
  const heartbeat: Heartbeat = { component, status: Status, timestamp: Timestamp };
  if (Hostname !== '') heartbeat.hostname = Hostname;
  if (NID !== '') heartbeat.nid = NID;
  return { ok: true, heartbeat };
}

/**
 * `POST /heartbeat/{xname}`: the body's errors first, as the daemon gives them; then the path's
 * xname, which the daemon takes unchecked and Muster validates (`Invalid Component Name`).
 */
export function parseHeartbeatForXnameBody(text: string, pathXname: string): HeartbeatBodyResult {
  const decoded = decode(text, PATH_FIELDS);
  if ('detail' in decoded) return failure(decoded.detail);
  const { Status, Timestamp } = decoded.values;
  if (Status === '') return failure('Missing Status field');
  if (Timestamp === '') return failure('Missing Timestamp field');
  const component = verifyNormalizeXname(pathXname);
  if (component === null) return failure(INVALID_COMPONENT);
  return { ok: true, heartbeat: { component, status: Status, timestamp: Timestamp } };
}
