import { hash, randomUUID } from 'node:crypto';
import type { Clock } from '../../clock/clock.ts';
import type { Db } from '../../db/db.ts';
import { TooManyRequestsError } from '../../errors/errors.ts';

export interface SignInLimits {
  /** Failed sign-ins per account (email, any case) within the window. */
  perAccount: number;
  /** Failed sign-ins per client address within the window. */
  perAddress: number;
  windowSeconds: number;
}

export const SIGN_IN_LIMITS: SignInLimits = { perAccount: 5, perAddress: 20, windowSeconds: 15 * 60 };

/** One sign-in attempt let through: counted as a failure unless it is told it succeeded. */
export interface SignInAttempt {
  succeeded(): Promise<void>;
}

export interface SignInLimiter {
  /**
   * Admits an attempt for `email` from `address`, or throws a 429 with the seconds until one
   * would be admitted, before any password is checked. The attempt counts as a failure at once,
   * so concurrent attempts (on any node) cannot all slip under the limit; `succeeded` takes it
   * back and forgets the account's earlier failures.
   */
  admit(email: string, address: string): Promise<SignInAttempt>;
}

/**
 * Failed sign-ins counted in the database (`sign_in_failures`), so the limits hold across
 * nodes; the subjects are hashed so no email (or password typed as one) is stored in clear.
 */
export function createSignInLimiter(db: Db, clock: Clock, limits: SignInLimits = SIGN_IN_LIMITS): SignInLimiter {
  const windowMs = limits.windowSeconds * 1000;
  const subject = (kind: 'account' | 'address', value: string) => hash('sha256', `${kind}:${value}`, 'hex');

  return {
    async admit(email: string, address: string): Promise<SignInAttempt> {
      const now = clock.now();
      const since = new Date(now.getTime() - windowMs);
      const account = subject('account', email.trim().toLowerCase());
      const from = subject('address', address);
      const attemptId = randomUUID();
      await db.query('DELETE FROM sign_in_failures WHERE failed_at <= $1', [since]);
      await db.query('INSERT INTO sign_in_failures (attempt_id, subject, failed_at) VALUES ($1, $2, $3), ($1, $4, $3)', [attemptId, account, now, from]);
      const { rows } = await db.query<{ subject: string; failed_at: Date }>(
        `SELECT subject, failed_at FROM sign_in_failures
         WHERE subject IN ($1, $2) AND failed_at > $3 AND attempt_id <> $4 ORDER BY failed_at`,
        [account, from, since, attemptId],
      );
      const waits = [
        waitFor(
          rows.filter((row) => row.subject === account).map((row) => row.failed_at),
          limits.perAccount,
          windowMs,
          now,
        ),
        waitFor(
          rows.filter((row) => row.subject === from).map((row) => row.failed_at),
          limits.perAddress,
          windowMs,
          now,
        ),
      ].filter((wait) => wait !== undefined);
      if (waits.length > 0) {
        // A refused attempt checked no password: it does not count.
        await db.query('DELETE FROM sign_in_failures WHERE attempt_id = $1', [attemptId]);
        throw new TooManyRequestsError('too many failed sign-ins: try again later', Math.max(...waits));
      }
      return {
        async succeeded() {
          await db.query('DELETE FROM sign_in_failures WHERE attempt_id = $1 OR subject = $2', [attemptId, account]);
        },
      };
    },
  };
}

/** Seconds until fewer than `limit` of `failures` (oldest first) are in the window, or undefined when they already are. */
function waitFor(failures: Date[], limit: number, windowMs: number, now: Date): number | undefined {
  if (failures.length < limit) return undefined;
  const freedAt = failures[failures.length - limit]!.getTime() + windowMs;
  return Math.max(1, Math.ceil((freedAt - now.getTime()) / 1000));
}
