import { isUuid } from '../domain/ids.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Db, QueryOptions, QueryResult, Sql } from './db.ts';

export type AuditActorType = 'bootstrap' | 'user' | 'token' | 'api-key' | 'anonymous';
export type AuditOutcome = 'success' | 'failure' | 'denied';

/** One audit row (`audit_log`): who did what, on what, with which outcome. Never a body or a secret. */
export interface AuditEntry {
  id: string;
  occurredAt: Date;
  actorType: AuditActorType;
  /** The user (session), personal token or API key id; null for the bootstrap token and anonymous callers. */
  actorId: string | null;
  /** The user behind a session or a personal token. */
  userId: string | null;
  organizationId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: AuditOutcome;
  httpStatus: number;
  address: string | null;
  userAgent: string | null;
  details: Record<string, string | number | boolean | null>;
}

/** What a service may add to its request's audit row, from inside the change (e.g. who signed in). */
export interface AuditNote {
  actor?: { type: AuditActorType; id: string | null; userId: string | null };
  targetType?: string;
  targetId?: string;
  organizationId?: string;
  /** What the row's action and target do not say (a bulk change: its action and the systems). */
  details?: AuditEntry['details'];
}

/**
 * The audit row of one request in flight, shared by the HTTP hooks that build it and the Db
 * wrapper that writes it inside the request's first committing transaction.
 */
export interface AuditScope {
  /** The row as it stands now; the status is the one the route answers on success. */
  build(outcome: AuditOutcome): AuditEntry;
  note: AuditNote;
  /** The id a creation returned (first RETURNING id, or a transaction's result), when no target was noted. */
  createdId?: string;
  /** 'claimed' while a transaction holds the row; 'written' once that transaction committed; 'ended' once the answer went out. */
  state: 'open' | 'claimed' | 'written';
  ended: boolean;
  /** The row's id and status, once written. */
  written?: { id: string; httpStatus: number };
}

const storage = new AsyncLocalStorage<AuditScope>();

/** Runs `work` (the rest of a request) with `scope` as its audit scope. */
export function runInAuditScope<T>(scope: AuditScope, work: () => T): T {
  return storage.run(scope, work);
}

/** Adds to the current request's audit row (no-op outside an audited request). */
export function noteAudit(note: AuditNote): void {
  const scope = storage.getStore();
  if (scope && !scope.ended) Object.assign(scope.note, note);
}

// INSERT, UPDATE, DELETE, MERGE, and WITH … INSERT/UPDATE/DELETE (a data-modifying CTE).
const MUTATING = /^\s*(?:insert|update|delete|merge)\b|^\s*with\b[\s\S]*\b(?:insert|update|delete)\b/i;

export function isMutatingStatement(text: string): boolean {
  return MUTATING.test(text);
}

/** The id of what a transaction created, when its result shows one: a uuid, `{ id }`, or `{ rows: [{ id }] }`. */
function createdIdOf(result: unknown): string | undefined {
  if (typeof result === 'string') return isUuid(result) ? result : undefined;
  if (typeof result !== 'object' || result === null) return undefined;
  const candidate = (result as { id?: unknown }).id ?? (result as { rows?: { id?: unknown }[] }).rows?.[0]?.id;
  return typeof candidate === 'string' && isUuid(candidate) ? candidate : undefined;
}

/** The scope a write joins: there is one, the answer has not gone out, and no transaction holds or wrote its row. */
function openScope(): AuditScope | undefined {
  const scope = storage.getStore();
  return scope && !scope.ended && scope.state === 'open' ? scope : undefined;
}

/**
 * `db` for the features whose changes are audited. Outside an audited request (appliance
 * routes, heartbeats, jobs, periodic tasks) every call goes straight to `db`, after one
 * AsyncLocalStorage lookup. Inside one, the first transaction that commits carries the
 * request's audit row, inserted just before its commit, and a bare mutating statement runs in
 * such a transaction (carrying the row only if it changed a row); later transactions of the
 * request write nothing more.
 */
export function createAuditedDb(db: Db, insert: (sql: Sql, entry: AuditEntry) => Promise<void>): Db {
  async function auditedTransaction<T>(scope: AuditScope, work: (tx: Sql) => Promise<T>, changed: (value: T) => boolean = () => true): Promise<T> {
    let claimed: AuditEntry | undefined;
    try {
      const result = await db.transaction(async (tx) => {
        const value = await work(tx);
        // Claimed at the end, so that of two concurrent transactions the first to finish carries it.
        if (scope.state === 'open' && !scope.ended && changed(value)) {
          scope.state = 'claimed';
          scope.createdId ??= createdIdOf(value);
          claimed = scope.build('success');
          await insert(tx, claimed);
        }
        return value;
      });
      if (claimed) {
        scope.state = 'written';
        scope.written = { id: claimed.id, httpStatus: claimed.httpStatus };
      }
      return result;
    } catch (error) {
      if (claimed) scope.state = 'open';
      throw error;
    }
  }

  return {
    ...db,
    query: <Row>(text: string, params?: readonly unknown[], options?: QueryOptions): Promise<QueryResult<Row>> => {
      const scope = openScope();
      if (!scope || !isMutatingStatement(text)) return db.query<Row>(text, params, options);
      // A statement that changed no row (a DELETE of nothing, before a 404) is no change to record.
      return auditedTransaction(
        scope,
        (tx) => tx.query<Row>(text, params, options),
        // PGlite counts no affected rows for a WITH … INSERT … SELECT: the rows it answers count too.
        (result) => result.rowCount > 0 || result.rows.length > 0,
      );
    },
    transaction: <T>(work: (tx: Sql) => Promise<T>): Promise<T> => {
      const scope = openScope();
      return scope ? auditedTransaction(scope, work) : db.transaction(work);
    },
    listen: db.listen,
    close: db.close,
  };
}
