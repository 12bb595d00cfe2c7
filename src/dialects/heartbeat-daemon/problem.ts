import { STATUS_CODES } from 'node:http';
import { goJsonStringify } from './go-json.ts';

/**
 * The daemon's error answers: RFC 7807 problems as hms-base's SendProblemDetails writes them:
 * `type`, `title`, `detail`, `instance`, `status` in that order, `type` always present and the
 * others left out when empty (`omitempty`), written by a json.Encoder (so followed by a
 * newline), sent as `application/problem+json`.
 */

export type Problem = { type?: string; title?: string; detail?: string; instance?: string; status: number };

export type ProblemAnswer = { statusCode: number; headers: Record<string, string>; body: string };

/**
 * The daemon's titles: `Invalid Request` for every 4xx it sends (400 and 405), `Internal Server
 * Error` for 500. Statuses the daemon never sends (Muster's 401, 403, 413, 503...) take the
 * HTTP reason phrase.
 */
export function problemTitle(status: number): string {
  if (status === 400 || status === 405) return 'Invalid Request';
  if (status === 500) return 'Internal Server Error';
  return STATUS_CODES[status] ?? 'Error';
}

export function problemAnswer(problem: Problem, extraHeaders: Record<string, string> = {}): ProblemAnswer {
  const { status } = problem;
  const ordered: Record<string, string | number> = { type: problem.type ?? 'about:blank' };
  const title = problem.title ?? problemTitle(status);
  if (title !== '') ordered.title = title;
  if (problem.detail) ordered.detail = problem.detail;
  if (problem.instance) ordered.instance = problem.instance;
  if (status !== 0) ordered.status = status;
  return {
    // hms-base falls back to 400 when no status is given.
    statusCode: status === 0 ? 400 : status,
    headers: { ...extraHeaders, 'content-type': 'application/problem+json' },
    body: `${goJsonStringify(ordered)}\n`,
  };
}

/** The daemon's 400: `Invalid Request` with the validation detail. */
export const badRequest = (detail: string, instance: string): ProblemAnswer => problemAnswer({ status: 400, detail, instance });

/** The daemon's 405 for each route, with the `Allow` header it requires. */
export const METHODS_ALLOWED = {
  heartbeat: { allow: 'POST', detail: 'Only POST operations supported' },
  params: { allow: 'GET,PATCH', detail: 'Only PATCH and GET operations supported' },
  // health.go's wording; the daemon's router answers other routes' wrong methods itself, so Muster uses these.
  get: { allow: 'GET', detail: 'Only GET operation supported' },
  post: { allow: 'POST', detail: 'Only POST operations supported' },
} as const;

export function methodNotAllowed(route: keyof typeof METHODS_ALLOWED, instance: string): ProblemAnswer {
  const { allow, detail } = METHODS_ALLOWED[route];
  return problemAnswer({ status: 405, detail, instance }, { allow });
}
