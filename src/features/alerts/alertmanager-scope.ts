/**
 * The rules of the machine-scoped Alertmanager proxy, without I/O: which labels the server
 * sets on an appliance's alerts, how its silences are pinned to its own system key, and how
 * annotation placeholders are filled.
 */

export interface SystemIdentity {
  systemId: string;
  systemKey: string;
  systemName: string;
  systemType: string | null;
  systemFqdn: string | null;
  organizationId: string;
  organizationName: string;
}

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

/** Labels that always come from the server; an empty server value removes the client's. */
export function serverLabels(identity: SystemIdentity): Record<string, string> {
  return {
    system_id: identity.systemId,
    system_key: identity.systemKey,
    system_name: identity.systemName,
    system_type: identity.systemType ?? '',
    system_fqdn: identity.systemFqdn ?? '',
    organization_id: identity.organizationId,
    organization_name: identity.organizationName,
  };
}

const PLACEHOLDER = /\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * Fills `{{.label}}` (spaces allowed inside the braces) with the label's value, `<no value>`
 * when the alert has no such label. Nothing else is interpreted: any other `{{ … }}` stays as
 * written, so an appliance cannot run template code on the server.
 */
export function fillPlaceholders(text: string, labels: Record<string, string>): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => (Object.hasOwn(labels, name) ? labels[name]! : '<no value>'));
}

export class ScopeError extends Error {
  override name = 'ScopeError';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/*
 * How Alertmanager reads these bodies: Go's encoding/json (go-swagger's models decode with it),
 * and its rules for a JSON object decoded into a struct (decode.go `object`, fold.go):
 * - a key names a field when it equals the field's JSON name, or else when their folded forms
 *   are equal. foldName upper-cases ASCII a-z and maps every other character to the smallest
 *   one of its unicode.SimpleFold orbit: Unicode simple case folding, as bytes.EqualFold. For the
 *   ASCII names here only two non-ASCII characters fold onto letters: U+017F ſ (an s) and U+212A
 *   K (Kelvin, a k); İ and ı fold onto nothing ASCII;
 * - every key is decoded in document order, so of two keys for one field the last wins, exact
 *   spelling or not (golang/go#43664); into a map field (labels) both are merged;
 * - unknown keys are ignored; map keys (label names) are compared exactly.
 * So the proxy reads each object by those rules, refuses one with two keys for the same field
 * (which of them Alertmanager would keep is not for the appliance to play with), and forwards
 * only the fields it read, under their canonical names: what Alertmanager acts on is exactly
 * what was checked. (JSON.parse keeps the last of two identical keys, as Go does.)
 */
function foldName(name: string): string {
  let folded = '';
  for (const character of name) {
    if (character === '\u017f') folded += 'S';
    else if (character === '\u212a') folded += 'K';
    // Any other non-ASCII character folds onto a non-ASCII one: it can never match an ASCII name.
    else folded += character < '\u0080' ? character.toUpperCase() : character;
  }
  return folded;
}

/** The values of `fields` in `object`, keys matched as encoding/json matches them; other keys are dropped. */
function readFields<F extends string>(object: Record<string, unknown>, fields: readonly F[], what: string): Partial<Record<F, unknown>> {
  const byFoldedName = new Map<string, F>(fields.map((field) => [foldName(field), field]));
  const keyOf = new Map<F, string>();
  const values: Partial<Record<F, unknown>> = {};
  for (const [key, value] of Object.entries(object)) {
    const field = byFoldedName.get(foldName(key));
    if (field === undefined) continue;
    const earlier = keyOf.get(field);
    if (earlier !== undefined) throw new ScopeError(`${what} has both "${earlier}" and "${key}", which Alertmanager reads as the same field '${field}'`);
    keyOf.set(field, key);
    // null decodes to nothing in Go: the same as an absent field.
    if (value !== null) values[field] = value;
  }
  return values;
}

/** The string values of a label or annotation map, keyed exactly as Go keys a map. */
function stringMap(value: unknown, what: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) throw new ScopeError(`${what} must be an object`);
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const ALERT_FIELDS = ['labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL'] as const;
const SILENCE_FIELDS = ['id', 'matchers', 'startsAt', 'endsAt', 'createdBy', 'comment'] as const;
const MATCHER_FIELDS = ['name', 'value', 'isRegex', 'isEqual'] as const;

/** Rewrites a `POST /alerts` body (Alertmanager's PostableAlert): server labels over the client's, placeholders filled. */
export function scopeAlerts(body: unknown, identity: SystemIdentity): Record<string, unknown>[] {
  if (!Array.isArray(body)) throw new ScopeError('the body must be a JSON array of alerts');
  const enforced = serverLabels(identity);
  return body.map((alert, index) => {
    if (!isObject(alert)) throw new ScopeError(`alert ${index} must be an object`);
    const { labels: givenLabels, annotations: givenAnnotations, ...times } = readFields(alert, ALERT_FIELDS, `alert ${index}`);
    const labels = stringMap(givenLabels, `alert ${index}: labels`);
    for (const [name, value] of Object.entries(enforced)) {
      if (value === '') delete labels[name];
      else labels[name] = value;
    }
    const annotations = Object.fromEntries(
      Object.entries(stringMap(givenAnnotations, `alert ${index}: annotations`)).map(([name, value]) => [name, fillPlaceholders(value, labels)]),
    );
    return { labels, annotations, ...times };
  });
}

/** The one matcher every silence of this system carries, whatever the appliance sent. */
export function ownMatcher(systemKey: string): Matcher {
  return { name: 'system_key', value: systemKey, isRegex: false, isEqual: true };
}

function readMatcher(given: unknown, index: number): Record<string, unknown> {
  const what = `matcher ${index}`;
  if (!isObject(given)) throw new ScopeError(`${what} must be an object`);
  const matcher = readFields(given, MATCHER_FIELDS, what);
  for (const field of ['name', 'value'] as const) {
    if (matcher[field] !== undefined && typeof matcher[field] !== 'string') throw new ScopeError(`${what}: ${field} must be a string`);
  }
  for (const field of ['isRegex', 'isEqual'] as const) {
    if (matcher[field] !== undefined && typeof matcher[field] !== 'boolean') throw new ScopeError(`${what}: ${field} must be a boolean`);
  }
  return matcher;
}

export interface ScopedSilence {
  /** The silence it replaces, when the appliance named one (Alertmanager: update or expire-and-replace). */
  id: string | undefined;
  /** The body to forward, `id` included. */
  body: Record<string, unknown>;
}

/** Rewrites a `POST /silences` body (Alertmanager's PostableSilence): any `system_key` matcher replaced by this system's exact one. */
export function scopeSilence(given: unknown, systemKey: string): ScopedSilence {
  if (!isObject(given)) throw new ScopeError('the body must be a JSON silence object');
  const { id, matchers: givenMatchers, ...rest } = readFields(given, SILENCE_FIELDS, 'the silence');
  if (id !== undefined && typeof id !== 'string') throw new ScopeError('the silence id must be a string');
  if (givenMatchers !== undefined && !Array.isArray(givenMatchers)) throw new ScopeError('matchers must be an array');
  const matchers = (givenMatchers ?? []).map(readMatcher).filter((matcher) => matcher.name !== 'system_key');
  const body = { ...(id ? { id } : {}), ...rest, matchers: [...matchers, ownMatcher(systemKey)] };
  return { id: id || undefined, body };
}

/** Whether a silence, as Alertmanager returned it, belongs to this system: it carries the exact matcher. */
export function ownsSilence(silence: unknown, systemKey: string): boolean {
  if (!isObject(silence) || !Array.isArray(silence.matchers)) return false;
  return silence.matchers.some(
    (matcher) =>
      isObject(matcher) &&
      matcher.name === 'system_key' &&
      matcher.value === systemKey &&
      matcher.isRegex === false &&
      (matcher.isEqual === undefined || matcher.isEqual === true),
  );
}

/** Adds this system's filter to a GET's query string, after whatever the appliance asked. */
export function scopedQuery(rawQuery: string, systemKey: string): string {
  const filter = `filter=${encodeURIComponent(`system_key="${systemKey}"`)}`;
  return rawQuery ? `${rawQuery}&${filter}` : filter;
}
