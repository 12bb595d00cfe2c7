import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, setApiCredentials, type Credentials, type Membership, type SessionAnswer } from './api.ts';
import { roleGrants, type OrganizationPermission } from '../../src/domain/access.ts';

const STORAGE_KEY = 'muster.adminToken';

/** Which sign-in is active: the bootstrap admin token, or a user's session cookie. */
export type SignIn =
  { kind: 'admin-token'; token: string } | { kind: 'user'; user: SessionAnswer['user']; memberships: Membership[]; csrfToken: string | null };

interface Session {
  /** `undefined` while the cookie's session is being looked up after a reload. */
  current: SignIn | null | undefined;
  signInWithToken: (token: string) => void;
  signInAsUser: (answer: SessionAnswer) => void;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

function credentialsOf(current: SignIn | null | undefined): Credentials | null {
  if (!current) return null;
  return current.kind === 'admin-token' ? { kind: 'admin-token', token: current.token } : { kind: 'cookie', csrfToken: current.csrfToken };
}

/**
 * The admin token lives in sessionStorage (gone when the tab closes or on sign-out); a user's
 * session is the HttpOnly cookie, which the page cannot read: after a reload it asks
 * GET /api/v1/session who it is, and gets the CSRF token again from there.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState<SignIn | null | undefined>(() => {
    const token = sessionStorage.getItem(STORAGE_KEY);
    return token ? { kind: 'admin-token', token } : undefined;
  });

  useEffect(() => {
    if (current !== undefined) return;
    let cancelled = false;
    api
      .currentSession()
      .then((answer) => {
        if (!cancelled) setCurrent(answer ? { kind: 'user', user: answer.user, memberships: answer.memberships, csrfToken: answer.csrf_token } : null);
      })
      .catch(() => {
        if (!cancelled) setCurrent(null);
      });
    return () => {
      cancelled = true;
    };
  }, [current]);

  const forget = useCallback(() => {
    sessionStorage.removeItem(STORAGE_KEY);
    setApiCredentials(null, () => {});
    queryClient.clear();
    setCurrent(null);
  }, [queryClient]);

  const signOut = useCallback(async () => {
    if (current?.kind === 'user') {
      try {
        await api.delete('session');
      } catch {
        // Already ended (expired or revoked elsewhere): signed out all the same.
      }
    }
    forget();
  }, [current, forget]);

  const signInWithToken = useCallback((token: string) => {
    sessionStorage.setItem(STORAGE_KEY, token);
    setCurrent({ kind: 'admin-token', token });
  }, []);

  const signInAsUser = useCallback((answer: SessionAnswer) => {
    sessionStorage.removeItem(STORAGE_KEY);
    setCurrent({ kind: 'user', user: answer.user, memberships: answer.memberships, csrfToken: answer.csrf_token });
  }, []);

  // Set synchronously so the first queries after sign-in carry the credentials; a 401 forgets them.
  const credentials = useMemo(() => credentialsOf(current), [current]);
  setApiCredentials(credentials, forget);

  const session = useMemo(() => ({ current, signInWithToken, signInAsUser, signOut }), [current, signInWithToken, signInAsUser, signOut]);
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

export interface Access {
  /** The bootstrap token or a user with the global admin flag: every permission everywhere. */
  globalAdmin: boolean;
  /**
   * Whether the signed-in user may use `permission` in `organizationId`; without one, in any of
   * their organizations (e.g. creating a system before its organization is chosen).
   */
  can: (permission: OrganizationPermission, organizationId?: string | null) => boolean;
  roleIn: (organizationId: string) => Membership['role'] | null;
}

/** What the signed-in user may do, from their memberships and the server's own role matrix (src/domain/access.ts). */
export function useAccess(): Access {
  const { current } = useSession();
  return useMemo((): Access => {
    if (current?.kind !== 'user') return { globalAdmin: current?.kind === 'admin-token', can: () => current?.kind === 'admin-token', roleIn: () => null };
    const roles = new Map(current.memberships.map((membership) => [membership.organization_id, membership.role]));
    const globalAdmin = current.user.global_admin;
    return {
      globalAdmin,
      roleIn: (organizationId) => roles.get(organizationId) ?? null,
      can: (permission, organizationId) => {
        if (globalAdmin) return true;
        const held = organizationId ? [roles.get(organizationId)] : [...roles.values()];
        return held.some((role) => role !== undefined && roleGrants(role, permission));
      },
    };
  }, [current]);
}
