import { useEffect } from 'react';

/** Sets the browser tab's title to "<page> · Muster" (just "Muster" while the page has no name yet). */
export function usePageTitle(title: string | null | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} · Muster` : 'Muster';
  }, [title]);
}
