import { useEffect } from 'react';

/**
 * While a form holds unsaved changes, leaving the page asks first: closing or reloading the tab
 * (the browser's own prompt) and following a link inside the dashboard (the router's links check
 * `defaultPrevented`, so a refused click goes nowhere).
 */
export function useLeaveGuard(unsaved: boolean, question = 'Leave this page? Your unsaved changes will be lost.'): void {
  useEffect(() => {
    if (!unsaved) return;
    const beforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    const click = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.('a[href]:not([href^="#"])');
      if (link && !window.confirm(question)) event.preventDefault();
    };
    window.addEventListener('beforeunload', beforeUnload);
    document.addEventListener('click', click, true);
    return () => {
      window.removeEventListener('beforeunload', beforeUnload);
      document.removeEventListener('click', click, true);
    };
  }, [unsaved, question]);
}
