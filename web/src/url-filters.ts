import { useState } from 'react';
import { useSearchParams } from 'react-router';

export type FilterChanges = Record<string, string | readonly string[] | undefined>;

/**
 * A page's filters, kept in the URL so that a view can be linked and saved.
 *
 * The router applies a URL change in a transition, so a controlled checkbox or select would show
 * its old value until the list behind it has rendered again (and a click could seem lost). The
 * change is therefore also held here at once, and dropped as soon as the URL has caught up.
 */
export function useUrlFilters(): { params: URLSearchParams; update: (changes: FilterChanges, resetPage?: boolean) => void } {
  const [location, setLocation] = useSearchParams();
  const [pending, setPending] = useState<{ from: string; params: URLSearchParams } | null>(null);
  const current = location.toString();
  const params = pending && pending.from === current ? pending.params : location;
  if (pending && pending.from !== current) setPending(null);

  const update = (changes: FilterChanges, resetPage = true) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      next.delete(key);
      for (const item of typeof value === 'string' ? [value] : (value ?? [])) if (item) next.append(key, item);
    }
    if (resetPage && !('page' in changes)) next.delete('page');
    setPending({ from: current, params: next });
    setLocation(next, { replace: true });
  };
  return { params, update };
}
