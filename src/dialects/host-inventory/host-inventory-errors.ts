import { STATUS_CODES } from 'node:http';

/**
 * The peer's error answers: connexion's RFC 7807 problems, `{"status", "title", "detail",
 * "type": "about:blank"}` as `application/problem+json`, plus fields of its own where the
 * peer adds them (`not_found_ids` for hosts not found).
 */
export class InventoryProblem extends Error {
  readonly statusCode: number;
  readonly detail: string;
  readonly extra: Record<string, unknown>;

  constructor(statusCode: number, detail: string, extra: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'InventoryProblem';
    this.statusCode = statusCode;
    this.detail = detail;
    this.extra = extra;
  }

  get body(): Record<string, unknown> {
    return { status: this.statusCode, title: STATUS_CODES[this.statusCode] ?? 'Error', detail: this.detail, ...this.extra, type: 'about:blank' };
  }
}

/** Werkzeug's NotFound, which the peer answers for a page past the end and unknown paths. */
export const NOT_FOUND_DETAIL = 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';

export const hostsNotFound = (ids: readonly string[]) => new InventoryProblem(404, 'One or more hosts not found.', { not_found_ids: ids });

/** Werkzeug's Forbidden: a System identity asking to change hosts. */
export const FORBIDDEN_DETAIL = "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server.";
