import http from 'node:http';
import https from 'node:https';
import { gzipSync } from 'node:zlib';
import { USER_AGENT } from './version.ts';

/** What an answer means for the agent: done, try again later, credentials refused, or a record Muster will never take. */
export type Outcome =
  | { kind: 'ok'; status: number; body: unknown }
  | { kind: 'retry'; reason: string; retryAfterMs: number | undefined }
  | { kind: 'unauthorized'; reason: string }
  | { kind: 'rejected'; status: number; reason: string };

export interface SentRequest {
  outcome: Outcome;
  /** Bytes of the JSON body, and of what went on the wire (after gzip when compressed). */
  jsonBytes: number;
  wireBytes: number;
}

export interface MusterClient {
  post(path: string, body: unknown, options?: { compress?: boolean }): Promise<SentRequest>;
  get(path: string): Promise<SentRequest>;
}

export interface ClientOptions {
  url: string;
  credentials: { systemKey: string; systemSecret: string } | undefined;
  /** PEM of a CA to trust instead of the system's; certificates are verified either way. */
  ca: Buffer | undefined;
  timeoutMs: number;
}

/** Bodies larger than this are sent gzip-compressed (Muster decodes gzip on the inventory and metrics routes). */
export const GZIP_THRESHOLD_BYTES = 1024;

export function createMusterClient(options: ClientOptions): MusterClient {
  const base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
  const transport = base.protocol === 'https:' ? https : http;
  const agent =
    base.protocol === 'https:' ? new https.Agent({ keepAlive: true, ca: options.ca, rejectUnauthorized: true }) : new http.Agent({ keepAlive: true });
  const authorization = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.systemKey}:${options.credentials.systemSecret}`).toString('base64')}`
    : undefined;

  function send(method: string, path: string, json: Buffer | undefined, compress: boolean): Promise<SentRequest> {
    const wire = json && compress && json.length > GZIP_THRESHOLD_BYTES ? gzipSync(json) : json;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json' };
    if (authorization) headers.authorization = authorization;
    if (wire) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(wire.length);
      if (wire !== json) headers['content-encoding'] = 'gzip';
    }
    const target = new URL(path.replace(/^\//, ''), base);
    const sizes = { jsonBytes: json?.length ?? 0, wireBytes: wire?.length ?? 0 };
    return new Promise((resolve) => {
      const request = transport.request(target, { method, headers, agent, timeout: options.timeoutMs }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) =>
          resolve({ ...sizes, outcome: { kind: 'retry', reason: `${method} ${path}: ${error.message}`, retryAfterMs: undefined } }),
        );
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ ...sizes, outcome: classify(method, path, response.statusCode ?? 0, text, response.headers['retry-after']) });
        });
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      request.on('error', (error) => resolve({ ...sizes, outcome: { kind: 'retry', reason: `${method} ${path}: ${error.message}`, retryAfterMs: undefined } }));
      request.end(wire);
    });
  }

  return {
    post: (path, body, { compress = false } = {}) => send('POST', path, Buffer.from(JSON.stringify(body)), compress),
    get: (path) => send('GET', path, undefined, false),
  };
}

function classify(method: string, path: string, status: number, text: string, retryAfter: string | undefined): Outcome {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the reason
  }
  if (status >= 200 && status < 300) return { kind: 'ok', status, body };
  const message = typeof body === 'object' && body !== null && 'message' in body ? String(body.message) : text.slice(0, 200);
  const reason = `${method} ${path} answered ${status}${message ? `: ${message}` : ''}`;
  if (status === 401) return { kind: 'unauthorized', reason };
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', reason, retryAfterMs: parseRetryAfter(retryAfter) };
  return { kind: 'rejected', status, reason };
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
