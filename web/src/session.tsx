import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { setApiToken } from './api.ts';

const STORAGE_KEY = 'muster.adminToken';

interface Session {
  signedIn: boolean;
  signIn: (token: string) => void;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

/** The admin token lives in sessionStorage: gone when the tab closes or on sign-out. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(STORAGE_KEY));

  const signOut = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    setApiToken(null, () => {});
    queryClient.clear();
    setToken(null);
  }, [queryClient]);

  const signIn = useCallback((value: string) => {
    sessionStorage.setItem(STORAGE_KEY, value);
    setToken(value);
  }, []);

  // Set synchronously so the first queries after sign-in carry the token.
  setApiToken(token, signOut);

  const session = useMemo(() => ({ signedIn: token !== null, signIn, signOut }), [token, signIn, signOut]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
