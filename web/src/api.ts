/** The management API (`/api/v1`), relative to the page's <base href> so BASE_PATH just works. */

export type LivenessStatus = 'unknown' | 'active' | 'warning' | 'inactive';
export type Severity = 'low' | 'medium' | 'high' | 'critical';
export const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
export const CATEGORIES = ['os', 'hardware', 'network', 'services', 'features', 'security', 'backup', 'modules', 'cluster', 'nodes', 'custom', 'system'] as const;
export const DIFF_TYPES = ['create', 'update', 'delete'] as const;
export const STATUSES: readonly LivenessStatus[] = ['active', 'warning', 'inactive', 'unknown'];

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  page_size: number;
}

export interface System {
  id: string;
  organization_id: string;
  organization_name: string;
  name: string;
  type: string | null;
  system_key: string;
  status: LivenessStatus;
  last_heartbeat: string | null;
  status_changed_at: string | null;
  registered: boolean;
  registered_at: string | null;
  suspended: boolean;
  suspended_at: string | null;
  deleted: boolean;
  deleted_at: string | null;
  last_inventory_at: string | null;
  fqdn: string | null;
  ipv4_address: string | null;
  ipv6_address: string | null;
  version: string | null;
  os: string | null;
  labels: Record<string, string>;
  created_at: string;
}

export interface SystemWithSecret extends System {
  system_secret: string;
}

export interface Organization {
  id: string;
  name: string;
  is_default: boolean;
}

export interface Diff {
  id: number;
  system_id: string;
  system_name: string;
  record_id: string;
  previous_record_id: string;
  detected_at: string;
  field_path: string;
  diff_type: 'create' | 'update' | 'delete';
  previous_value: unknown;
  current_value: unknown;
  category: string;
  severity: Severity;
  significant: boolean;
}

export interface Summary {
  total: number;
  by_status: Record<LivenessStatus, number>;
  /** Systems per type, the most common first. */
  by_type: { type: string; count: number }[];
  suspended: number;
  deleted: number;
  needs_attention: { inactive: number; warning: number; critical_changes_24h: number };
  recent_changes: Diff[];
}

export interface Alert {
  id: string;
  name: string;
  status: 'firing' | 'resolved';
  severity: string;
  summary: string;
  system_id: string | null;
  starts_at: string;
  ends_at: string | null;
}

export interface Health {
  system_id: string;
  score: number | null;
  grade: 'good' | 'fair' | 'poor' | null;
  components: { availability: number; freshness: number; changes: number; alerts: number } | null;
}

export interface LivenessEvent {
  id: number;
  from: LivenessStatus;
  to: LivenessStatus;
  occurred_at: string;
}

export interface Availability {
  from: string;
  to: string;
  spans: { from: string; to: string; status: LivenessStatus | 'untracked' }[];
  seconds: Record<LivenessStatus, number>;
  active_percent: number | null;
}

export interface InventoryRecordSummary {
  id: string;
  received_at: string;
  last_seen_at: string;
  hash: string;
  size: number;
  change_count: number;
}

export interface InventoryRecord extends InventoryRecordSummary {
  data: unknown;
}

export interface TimelineDay {
  date: string;
  total: number;
  by_severity: Record<Severity, number>;
}

export interface Backup {
  id: string;
  filename: string;
  size: number;
  sha256: string;
  mimetype: string;
  uploaded_at: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

let token: string | null = null;
let onUnauthorized: () => void = () => {};

export function setApiToken(value: string | null, unauthorized: () => void): void {
  token = value;
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

async function request(method: string, path: string, query?: Query, body?: unknown, bearer = token): Promise<Response> {
  const response = await fetch(apiUrl(path, query), {
    method,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const envelope = (await response.json()) as { message?: string };
      if (envelope.message) message = envelope.message;
    } catch {
      // Not JSON: keep the status line.
    }
    if (response.status === 401 && bearer === token) onUnauthorized();
    throw new ApiError(response.status, message);
  }
  return response;
}

export const api = {
  async get<T>(path: string, query?: Query): Promise<T> {
    return (await (await request('GET', path, query)).json()) as T;
  },
  async post<T>(path: string, body: unknown = {}): Promise<T> {
    return (await (await request('POST', path, undefined, body)).json()) as T;
  },
  async patch<T>(path: string, body: unknown): Promise<T> {
    return (await (await request('PATCH', path, undefined, body)).json()) as T;
  },
  async delete(path: string): Promise<void> {
    await request('DELETE', path);
  },
  /** Checks a token before it is kept. */
  async verify(candidate: string): Promise<void> {
    await request('GET', 'summary', undefined, undefined, candidate);
  },
  /** Downloads through fetch (the token is a header, not a cookie) and hands the file to the browser. */
  async download(path: string, query: Query, fallbackName: string): Promise<void> {
    const response = await request('GET', path, query);
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
