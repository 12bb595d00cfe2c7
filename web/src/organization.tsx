import { useQuery } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { api, type Organization } from './api.ts';

const STORAGE_KEY = 'muster.organization';

interface OrganizationChoice {
  /** The organizations the signed-in user may read (all of them for global admins). */
  organizations: Organization[];
  /** The chosen one; null for all of them (only offered when there are several). */
  selected: Organization | null;
  select: (organizationId: string | null) => void;
}

const OrganizationContext = createContext<OrganizationChoice | null>(null);

/** The organization switcher's state: pages that take `organization_id` narrow to the choice. */
export function OrganizationProvider({ children }: { children: ReactNode }) {
  const list = useQuery({ queryKey: ['organizations'], queryFn: () => api.get('organizations', { query: { page_size: 500, sort: 'name' } }) });
  const [chosen, setChosen] = useState<string | null>(() => localStorage.getItem(STORAGE_KEY));
  const organizations = useMemo(() => list.data?.items ?? [], [list.data]);

  const select = useCallback((organizationId: string | null) => {
    if (organizationId) localStorage.setItem(STORAGE_KEY, organizationId);
    else localStorage.removeItem(STORAGE_KEY);
    setChosen(organizationId);
  }, []);

  const value = useMemo(() => {
    // A single organization is always the choice; a stale stored one (left, or deleted) falls back to all.
    const selected = organizations.length === 1 ? organizations[0]! : (organizations.find((organization) => organization.id === chosen) ?? null);
    return { organizations, selected, select };
  }, [organizations, chosen, select]);
  return <OrganizationContext.Provider value={value}>{children}</OrganizationContext.Provider>;
}

export function useOrganization(): OrganizationChoice {
  const choice = useContext(OrganizationContext);
  if (!choice) throw new Error('useOrganization outside OrganizationProvider');
  return choice;
}
