import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { isConnectionError } from './explain-error.ts';

interface ConnectionState {
  /** The latest request failed for want of a connection, and none has succeeded since. */
  lost: boolean;
  /** When the data on screen was last fetched (ms since the epoch), or null if nothing was. */
  lastUpdatedAt: number | null;
}

const ConnectionContext = createContext<ConnectionState>({ lost: false, lastUpdatedAt: null });

/**
 * Watches every query and mutation: a connection failure (even one retry that failed) marks the
 * connection lost, the next successful query marks it back. React Query keeps each query's data
 * through its errors, so pages go on showing what they last had.
 */
export function ConnectionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<ConnectionState>({ lost: false, lastUpdatedAt: null });
  useEffect(() => {
    const lastUpdatedAt = () =>
      Math.max(
        0,
        ...queryClient
          .getQueryCache()
          .getAll()
          .map((query) => query.state.dataUpdatedAt),
      ) || null;
    const failed = (error: unknown) => {
      if (isConnectionError(error)) setState((current) => (current.lost ? current : { lost: true, lastUpdatedAt: lastUpdatedAt() }));
    };
    const unsubscribeQueries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type !== 'updated') return;
      if (event.action.type === 'failed' || event.action.type === 'error') failed(event.action.error);
      else if (event.action.type === 'success') setState((current) => (current.lost ? { lost: false, lastUpdatedAt: Date.now() } : current));
    });
    const unsubscribeMutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === 'updated' && event.action.type === 'error') failed(event.action.error);
    });
    return () => {
      unsubscribeQueries();
      unsubscribeMutations();
    };
  }, [queryClient]);
  return <ConnectionContext.Provider value={state}>{children}</ConnectionContext.Provider>;
}

export function useConnection(): ConnectionState {
  return useContext(ConnectionContext);
}
