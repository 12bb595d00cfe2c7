import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { BadRequestError } from '../errors/errors.ts';

/** Routes are registered once at the root; a request under BASE_PATH is answered by the same route. */
export function stripBasePath(url: string, basePath: string): string {
  if (basePath === '' || !url.startsWith(basePath)) return url;
  const rest = url.slice(basePath.length);
  if (rest === '') return '/';
  return rest.startsWith('/') || rest.startsWith('?') ? (rest.startsWith('?') ? `/${rest}` : rest) : url;
}

/**
 * Query strings where a repeated key, or a key written `key[]`, gives an array:
 * `status=active&status=warning` and `severity[]=high` both work.
 */
export function parseQueryString(query: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [rawKey, value] of new URLSearchParams(query)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const existing = result[key];
    if (existing === undefined) result[key] = rawKey.endsWith('[]') ? [value] : value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}

/**
 * An onRequest hook refusing a NUL character anywhere in the URL, percent-encoded or raw: no
 * path or query value means anything with one, and PostgreSQL's text cannot hold it (a search
 * for it failed the query). One check for every route's path parameters and query strings. In
 * callback style, as it runs on every request.
 */
export function refuseNulInUrl(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const url = request.url;
  if (url.includes('%00') || url.includes('\u0000')) done(new BadRequestError('the URL holds a NUL character (%00), which no path or query value may hold'));
  else done();
}
