import type { Sql } from './db.ts';

export type TransactionListener<Args extends unknown[]> = (tx: Sql, ...args: Args) => Promise<void>;

/**
 * Lets other features act on something one feature does, in the same transaction (so that both
 * are stored, or neither), without that feature knowing them: they add listeners, it runs them.
 */
export function createTransactionHook<Args extends unknown[]>() {
  const listeners: TransactionListener<Args>[] = [];
  return {
    add: (listener: TransactionListener<Args>): void => {
      listeners.push(listener);
    },
    run: async (tx: Sql, ...args: Args): Promise<void> => {
      for (const listener of listeners) await listener(tx, ...args);
    },
  };
}
