/** The management API (`/api/v1`), relative to the page's <base href> so BASE_PATH just works. */

import type { paths } from './api-schema.ts';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** A management API path as the OpenAPI document writes it, less `/api/v1/`: `systems/{id}/health`. */
type ApiPath<M extends Method> = {
  [P in keyof paths]: P extends `/api/v1/${infer Path}` ? (paths[P][M] extends undefined ? never : Path) : never;
}[keyof paths];
type Operation<M extends Method, P extends ApiPath<M>> = NonNullable<paths[`/api/v1/${P}`][M]>;
type Json<R> = R extends { content: { 'application/json': infer T } } ? T : never;
type Success<R> = { [S in keyof R]: S extends 200 | 201 ? Json<R[S]> : never }[keyof R];
/** What the operation answers on success (200 or 201), as generated from its response schema; for several paths, any of theirs. */
export type Answer<M extends Method, P extends ApiPath<M>> = P extends ApiPath<M> ? Success<Operation<M, P>['responses']> : never;
type RequestBody<M extends 'post' | 'put' | 'patch', P extends ApiPath<M>> = Json<NonNullable<Operation<M, P>['requestBody']>>;
/** `{ path: { id } }` when the path has parameters; query parameters are built from filters held as strings, so left loose. */
type Options<M extends Method, P extends ApiPath<M>> = { query?: Query } & (Operation<M, P>['parameters'] extends { path: infer Params }
  ? { path: Params }
  : { path?: never });
type OptionsArgument<M extends Method, P extends ApiPath<M>> = Operation<M, P>['parameters'] extends { path: object }
  ? [options: Options<M, P>]
  : [options?: Options<M, P>];
type Items<T> = T extends { items: (infer Item)[] } ? Item : never;

export type System = Answer<'get', 'systems/{id}'>;
export type SystemWithSecret = Answer<'post', 'systems'>;
export type LivenessStatus = System['status'];
export type Severity = NonNullable<Operation<'get', 'systems/{id}/inventory/diffs'>['parameters']['query']['severity']>[number];
export type Diff = Items<Answer<'get', 'systems/{id}/inventory/diffs'>>;
export type Organization = Items<Answer<'get', 'organizations'>>;
export type Alert = Items<Answer<'get', 'alerts'>>;
export type Health = Answer<'get', 'systems/{id}/health'>;
export type Availability = Answer<'get', 'systems/{id}/availability'>;
export type TimelineDay = Answer<'get', 'systems/{id}/inventory/timeline'>['days'][number];
export type Backup = Items<Answer<'get', 'systems/{id}/backups'>>;
export type SessionAnswer = Answer<'get', 'session'>;
export type Membership = SessionAnswer['memberships'][number];
export type Member = Items<Answer<'get', 'organizations/{id}/members'>>;
export type ApiKey = Items<Answer<'get', 'organizations/{id}/api-keys'>>;
export type CreatedApiKey = Answer<'post', 'organizations/{id}/api-keys'>;
export type PersonalToken = Items<Answer<'get', 'tokens'>>;
export type CreatedPersonalToken = Answer<'post', 'tokens'>;
export type UserSession = Items<Answer<'get', 'sessions'>>;
export type AuditEntry = Items<Answer<'get', 'audit'>>;
export type HeartbeatDaemonParams = Answer<'get', 'organizations/{id}/heartbeat-daemon/params'>;
export type OrganizationDetails = Answer<'get', 'organizations/{id}'>;
export type MonitoringSettings = Answer<'get', 'organizations/{id}/monitoring/settings'>;
export type Webhook = Items<Answer<'get', 'organizations/{id}/webhooks'>>;
export type CreatedWebhook = Answer<'post', 'organizations/{id}/webhooks'>;
export type WebhookTestResult = Answer<'post', 'organizations/{id}/webhooks/{webhookId}/test'>;
export type JobQueue = Answer<'get', 'jobs'>['queues'][number];
export type DeadJob = Items<Answer<'get', 'jobs/{queue}/dead'>>;
export type BackupUsage = Answer<'get', 'backups/usage'>;
/** A metric name of SPEC §10, as the metrics API takes it. */
export type MetricName = NonNullable<NonNullable<Operation<'get', 'systems/{id}/metrics'>['parameters']['query']>['name']>;
type MetricsAnswer = Answer<'get', 'systems/{id}/metrics'>;
/** One metric's series over a range (`systems/{id}/metrics?name=…`). */
export type MetricSeries = Extract<MetricsAnswer, { series: unknown }>;
/** A system's series, without their points (`systems/{id}/metrics`). */
export type MetricSeriesSummary = Items<Extract<MetricsAnswer, { items: unknown }>>;
export type TopSystem = Items<Answer<'get', 'metrics/top'>>;

// The vocabulary of changes comes from the server's own source (the OpenAPI document types it, not its values).
export { CATEGORIES, SEVERITIES, CHANGE_TYPES as DIFF_TYPES } from '../../src/domain/changes.ts';
export const STATUSES: readonly LivenessStatus[] = ['active', 'warning', 'inactive', 'unknown'];
/** Where a system stands, lifecycle included, worst first after the healthy (the API's `state`). */
export const SYSTEM_STATES: readonly System['state'][] = [
  'active',
  'warning',
  'inactive',
  'awaiting_first_heartbeat',
  'never_registered',
  'suspended',
  'deleted',
];

export class ApiError extends Error {
  readonly status: number;
  /** Seconds, from `Retry-After` (a 429). */
  readonly retryAfter: number | null;
  /** The envelope's `data` (e.g. a refused heartbeat-daemon PATCH's `detail`), or null. */
  readonly data: unknown;
  constructor(status: number, message: string, retryAfter: number | null = null, data: unknown = null) {
    super(message);
    this.status = status;
    this.retryAfter = retryAfter;
    this.data = data;
  }
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

/**
 * How requests authenticate: the admin token as a bearer header, or the session cookie (the
 * browser sends it) with the CSRF token on every change.
 */
export type Credentials = { kind: 'admin-token'; token: string } | { kind: 'cookie'; csrfToken: string | null };

let credentials: Credentials | null = null;
let onUnauthorized: () => void = () => {};

export function setApiCredentials(value: Credentials | null, unauthorized: () => void): void {
  credentials = value;
  onUnauthorized = unauthorized;
}

export function apiUrl(path: string, query: Query = {}): string {
  const url = new URL(`api/v1/${path.replace(/^\//, '')}`, document.baseURI);
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === '') continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) url.searchParams.append(key, item);
    else url.searchParams.set(key, String(value));
  }
  return url.toString();
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function authHeaders(method: string, using: Credentials | null): Record<string, string> {
  if (using?.kind === 'admin-token') return { authorization: `Bearer ${using.token}` };
  if (using?.kind === 'cookie' && using.csrfToken && !SAFE_METHODS.has(method)) return { 'x-csrf-token': using.csrfToken };
  return {};
}

async function request(method: string, path: string, query?: Query, body?: unknown, using: Credentials | null = credentials): Promise<Response> {
  const response = await fetch(apiUrl(path, query), {
    method,
    credentials: 'same-origin',
    headers: { ...authHeaders(method, using), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    let data: unknown = null;
    try {
      const envelope = (await response.json()) as { message?: string; data?: unknown };
      if (envelope.message) message = envelope.message;
      data = envelope.data ?? null;
    } catch {
      // Not JSON: keep the status line.
    }
    // Only the credentials in use going stale signs out, not a candidate being checked.
    if (response.status === 401 && using !== null && using === credentials) onUnauthorized();
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ApiError(response.status, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null, data);
  }
  return response;
}

/** What the generic methods read from their deferred, per-path options. */
interface RequestOptions {
  path?: Record<string, string>;
  query?: Query;
  body?: unknown;
}

/** Fills a path's `{parameters}`: `systems/{id}` with `{ id }`. */
function expand(path: string, options: RequestOptions | undefined): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(options?.path?.[name] ?? ''));
}

export const api = {
  async get<P extends ApiPath<'get'>>(path: P, ...[options]: OptionsArgument<'get', P>): Promise<Answer<'get', P>> {
    const loose = options as RequestOptions | undefined;
    return (await (await request('GET', expand(path, loose), loose?.query)).json()) as Answer<'get', P>;
  },
  async post<P extends ApiPath<'post'>>(path: P, options: Options<'post', P> & { body?: RequestBody<'post', P> }): Promise<Answer<'post', P>> {
    const loose = options as RequestOptions;
    const response = await request('POST', expand(path, loose), undefined, loose.body ?? {});
    return (response.status === 204 ? undefined : await response.json()) as Answer<'post', P>;
  },
  async put<P extends ApiPath<'put'>>(path: P, options: Options<'put', P> & { body: RequestBody<'put', P> }): Promise<Answer<'put', P>> {
    const loose = options as RequestOptions;
    return (await (await request('PUT', expand(path, loose), undefined, loose.body)).json()) as Answer<'put', P>;
  },
  async patch<P extends ApiPath<'patch'>>(path: P, options: Options<'patch', P> & { body: RequestBody<'patch', P> }): Promise<Answer<'patch', P>> {
    const loose = options as RequestOptions;
    return (await (await request('PATCH', expand(path, loose), undefined, loose.body)).json()) as Answer<'patch', P>;
  },
  async delete<P extends ApiPath<'delete'>>(path: P, ...[options]: OptionsArgument<'delete', P>): Promise<void> {
    await request('DELETE', expand(path, options as RequestOptions | undefined));
  },
  /** Checks an admin token before it is kept. */
  async verify(candidate: string): Promise<void> {
    await request('GET', 'summary', undefined, undefined, { kind: 'admin-token', token: candidate });
  },
  /** Signs in with email and password: the answer sets the session cookie. */
  async signIn(email: string, password: string): Promise<SessionAnswer> {
    return (await (await request('POST', 'session', undefined, { email, password }, null)).json()) as SessionAnswer;
  },
  /** The session the cookie carries, if any (after a reload): null when there is none. */
  async currentSession(): Promise<SessionAnswer | null> {
    try {
      return (await (await request('GET', 'session', undefined, undefined, null)).json()) as SessionAnswer;
    } catch (caught) {
      if (caught instanceof ApiError && (caught.status === 401 || caught.status === 404)) return null;
      throw caught;
    }
  },
  /** Downloads through fetch (the admin token is a header, which a plain link cannot carry) and hands the file to the browser. */
  async download<P extends ApiPath<'get'>>(path: P, options: Options<'get', P>, fallbackName: string): Promise<void> {
    const loose = options as RequestOptions;
    const response = await request('GET', expand(path, loose), loose.query);
    const disposition = response.headers.get('content-disposition') ?? '';
    const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName;
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  },
};

/** How often live views refresh: well inside the 5 seconds operators expect. */
export const LIVE_INTERVAL_MS = 3000;
