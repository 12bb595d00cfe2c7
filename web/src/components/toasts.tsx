import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { explainError } from '../explain-error.ts';

/** How long a toast stays up, counted afresh whenever the pointer or focus leaves it. */
const TOAST_MS = 10_000;

export interface ToastInput {
  message: string;
  /** An Undo: runs the reverse change; the toast then says it was undone (or why not). */
  undo?: { run: () => Promise<void>; done: string };
}

interface Toast extends ToastInput {
  id: number;
  state: 'shown' | 'undoing' | 'failed';
}

const ToastContext = createContext<((toast: ToastInput) => void) | null>(null);

/** One per app, at its root: pages and actions say what they did through `useToast()`. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(0);
  const show = useCallback((toast: ToastInput) => setToasts((current) => [...current.slice(-3), { ...toast, id: ++next.current, state: 'shown' }]), []);
  const dismiss = useCallback((id: number) => setToasts((current) => current.filter((toast) => toast.id !== id)), []);
  const replace = useCallback(
    (id: number, change: Partial<Toast>) => setToasts((current) => current.map((toast) => (toast.id === id ? { ...toast, ...change } : toast))),
    [],
  );
  const undo = useCallback(
    async (toast: Toast) => {
      if (!toast.undo) return;
      replace(toast.id, { state: 'undoing' });
      try {
        await toast.undo.run();
        replace(toast.id, { message: toast.undo.done, undo: undefined, state: 'shown' });
      } catch (caught) {
        replace(toast.id, { message: `Could not undo: ${explainError(caught)}`, undo: undefined, state: 'failed' });
      }
    },
    [replace],
  );
  return (
    <ToastContext.Provider value={show}>
      {children}
      <div className="toasts" aria-live="polite">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} dismiss={dismiss} undo={undo} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, dismiss, undo }: { toast: Toast; dismiss: (id: number) => void; undo: (toast: Toast) => Promise<void> }) {
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const held = hovered || focused || toast.state === 'undoing';
  // The timer restarts when the message changes (after an Undo) and whenever the toast is let go.
  useEffect(() => {
    if (held) return;
    const timer = setTimeout(() => dismiss(toast.id), TOAST_MS);
    return () => clearTimeout(timer);
  }, [held, toast.message, toast.id, dismiss]);
  return (
    <div
      className={`toast toast-${toast.state}`}
      role="status"
      data-testid="toast"
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
      onFocus={() => setFocused(true)}
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget)) setFocused(false);
      }}
    >
      <span className="toast-message">{toast.message}</span>
      {toast.undo ? (
        <button type="button" className="button small" onClick={() => void undo(toast)} disabled={toast.state === 'undoing'}>
          {toast.state === 'undoing' ? 'Undoing…' : 'Undo'}
        </button>
      ) : null}
      <button type="button" className="button small ghost" aria-label="Dismiss" title="Dismiss" onClick={() => dismiss(toast.id)}>
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}

export function useToast(): (toast: ToastInput) => void {
  const show = useContext(ToastContext);
  if (!show) throw new Error('useToast outside ToastProvider');
  return show;
}
