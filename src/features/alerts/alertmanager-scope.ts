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

/** Rewrites a `POST /alerts` body: server labels over the client's, placeholders filled. */
export function scopeAlerts(body: unknown, identity: SystemIdentity): unknown[] {
  if (!Array.isArray(body)) throw new ScopeError('the body must be a JSON array of alerts');
  const enforced = serverLabels(identity);
  return body.map((alert, index) => {
    if (!isObject(alert)) throw new ScopeError(`alert ${index} must be an object`);
    const labels: Record<string, string> = {};
    if (isObject(alert.labels)) {
      for (const [name, value] of Object.entries(alert.labels)) if (typeof value === 'string') labels[name] = value;
    }
    for (const [name, value] of Object.entries(enforced)) {
      if (value === '') delete labels[name];
      else labels[name] = value;
    }
    const annotations: Record<string, unknown> = {};
    if (isObject(alert.annotations)) {
      for (const [name, value] of Object.entries(alert.annotations)) annotations[name] = typeof value === 'string' ? fillPlaceholders(value, labels) : value;
    }
    return { ...alert, labels, annotations };
  });
}

/** The one matcher every silence of this system carries, whatever the appliance sent. */
export function ownMatcher(systemKey: string): Matcher {
  return { name: 'system_key', value: systemKey, isRegex: false, isEqual: true };
}

/** Rewrites a `POST /silences` body: any `system_key` matcher replaced by this system's exact one. */
export function scopeSilence(body: unknown, systemKey: string): Record<string, unknown> {
  if (!isObject(body)) throw new ScopeError('the body must be a JSON silence object');
  const given: unknown[] = Array.isArray(body.matchers) ? body.matchers : [];
  const matchers = given.filter((matcher) => !(isObject(matcher) && matcher.name === 'system_key'));
  return { ...body, matchers: [...matchers, ownMatcher(systemKey)] };
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
