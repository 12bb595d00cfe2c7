import { useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode, type RefObject } from 'react';
import type { LivenessStatus, Severity } from '../api.ts';
import { useConnection } from '../connection.tsx';
import { explainError, isConnectionError } from '../explain-error.ts';
import { relativeTime } from '../format.ts';
import { useTimeFormat } from '../time-zone.ts';

export const STATUS_LABEL: Record<LivenessStatus, string> = { active: 'Active', warning: 'Warning', inactive: 'Inactive', unknown: 'Unknown' };

export function StatusDot({ status, withLabel = false }: { status: LivenessStatus; withLabel?: boolean }) {
  return (
    <span className="status" data-status={status}>
      <span className={`dot dot-${status}`} aria-hidden="true" />
      {withLabel ? STATUS_LABEL[status] : <span className="sr-only">{STATUS_LABEL[status]}</span>}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: Severity | (string & {}) }) {
  return <span className={`badge severity-${severity}`}>{severity}</span>;
}

/** Re-renders every 30 s so "2 minutes ago" stays true. */
function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * A moment: "3 minutes ago" with the exact time (in the chosen zone, labelled) on hover, or with
 * `absolute` the exact time with "3 minutes ago" on hover.
 */
export function Time({ iso, empty = 'never', absolute = false }: { iso: string | null | undefined; empty?: string; absolute?: boolean }) {
  const now = useNow();
  const time = useTimeFormat();
  if (!iso) return <span className="muted">{empty}</span>;
  const exact = time.dateTime(iso);
  const ago = relativeTime(iso, now);
  return (
    <time dateTime={iso} title={absolute ? ago : exact}>
      {absolute ? exact : ago}
    </time>
  );
}

export function HealthBadge({ score, grade }: { score: number | null | undefined; grade: string | null | undefined }) {
  if (score === undefined) return <span className="muted">…</span>;
  if (score === null)
    return (
      <span className="muted" title="Not registered yet">
        —
      </span>
    );
  return (
    <span className={`health health-${grade ?? 'poor'}`} title={`Health ${score}/100 (${grade ?? ''})`}>
      {score}
    </span>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" role="status">
      <strong>{title}</strong>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

/** `inDialog`: a modal dialog covers the connection banner, so a lost connection is told here too. */
export function ErrorBox({ error, inDialog = false }: { error: unknown; inDialog?: boolean }) {
  // While the connection is down the banner above every page says so, once, and the last data stays.
  const { lost } = useConnection();
  if (!error || (lost && !inDialog && isConnectionError(error))) return null;
  const message = error instanceof Error ? explainError(error) : JSON.stringify(error);
  return (
    <div className="error-box" role="alert">
      <strong>Something went wrong.</strong> {message}
    </div>
  );
}

/**
 * Grey placeholders in the shape of what is loading (rows of a list, a page's head and cards, or
 * the overview's count cards), busy for assistive technology, which hears "Loading…".
 */
export function Loading({ shape = 'rows', rows = 5 }: { shape?: 'rows' | 'page' | 'cards'; rows?: number }) {
  return (
    <div className={`skeleton skeleton-${shape}`} aria-busy="true" data-testid="skeleton">
      <span className="sr-only" role="status">
        Loading…
      </span>
      {shape === 'page' ? (
        <>
          <div className="skeleton-block skeleton-title" />
          <div className="skeleton-block skeleton-tabs" />
          <div className="skeleton-cards">
            <div className="skeleton-block skeleton-card" />
            <div className="skeleton-block skeleton-card" />
          </div>
        </>
      ) : null}
      {shape === 'cards' ? (
        <div className="skeleton-cards">
          {Array.from({ length: rows }, (_, index) => (
            <div key={index} className="skeleton-block skeleton-stat" />
          ))}
        </div>
      ) : null}
      {shape === 'rows' ? Array.from({ length: rows }, (_, index) => <div key={index} className="skeleton-block skeleton-row" />) : null}
    </div>
  );
}

export function CopyButton({ text, label = 'Copy', onCopied }: { text: string; label?: string; onCopied?: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API refused (insecure context): fall back to a selection copy.
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    onCopied?.();
    setTimeout(() => setCopied(false), 2000);
  }
  return (
    <button type="button" className="button small" onClick={copy} aria-label={`${label}${copied ? ' (copied)' : ''}`}>
      {copied ? 'Copied' : label}
    </button>
  );
}

export function Pagination({ page, pageSize, total, onPage }: { page: number; pageSize: number; total: number; onPage: (page: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <nav className="pagination" aria-label="Pagination">
      <button type="button" className="button small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages} · {total.toLocaleString()} in all
      </span>
      <button type="button" className="button small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

/**
 * The WAI-ARIA tabs pattern: one tab stop (the selected tab), arrows move and select (wrapping),
 * Home and End go to the ends; every tab controls the one panel below, which shows the selected
 * tab's content and is labelled by it.
 */
export function Tabs<T extends string>({
  id,
  label,
  tabs,
  current,
  onSelect,
  children,
}: {
  /** Prefix of the tabs' and the panel's element ids, unique on the page. */
  id: string;
  label: string;
  tabs: readonly (readonly [T, string])[];
  current: T;
  onSelect: (tab: T) => void;
  children: ReactNode;
}) {
  const buttons = useRef(new Map<T, HTMLButtonElement>());
  const panelId = `${id}-panel`;
  const onKeyDown = (event: ReactKeyboardEvent) => {
    // From the focused tab, not the selected one: the router may not have applied the previous key's selection yet.
    const focused = [...buttons.current].find(([, button]) => button === event.target)?.[0] ?? current;
    const index = tabs.findIndex(([name]) => name === focused);
    const target = ({ ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 } as Record<string, number>)[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const [name] = tabs[(target + tabs.length) % tabs.length]!;
    onSelect(name);
    buttons.current.get(name)?.focus();
  };
  return (
    <>
      <div className="tabs" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
        {tabs.map(([name, text]) => (
          <button
            key={name}
            ref={(element) => {
              if (element) buttons.current.set(name, element);
              else buttons.current.delete(name);
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${name}`}
            aria-selected={current === name}
            aria-controls={panelId}
            tabIndex={current === name ? 0 : -1}
            className={current === name ? 'tab active' : 'tab'}
            onClick={() => onSelect(name)}
          >
            {text}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={panelId} aria-labelledby={`${id}-tab-${current}`}>
        {children}
      </div>
    </>
  );
}

/** A drop-down made of `<details>` closes as a menu does: on Escape and on a click outside it. */
export function useClosedFromOutside(ref: RefObject<HTMLDetailsElement | null>): void {
  useEffect(() => {
    const close = (event: Event) => {
      const details = ref.current;
      if (!details?.open) return;
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !details.contains(event.target as Node)) details.open = false;
    };
    document.addEventListener('click', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('click', close);
      document.removeEventListener('keydown', close);
    };
  }, [ref]);
}
