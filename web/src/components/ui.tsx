import { useEffect, useState, type ReactNode, type RefObject } from 'react';
import type { LivenessStatus, Severity } from '../api.ts';
import { explainError } from '../explain-error.ts';
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

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? explainError(error) : JSON.stringify(error);
  return (
    <div className="error-box" role="alert">
      <strong>Something went wrong.</strong> {message}
    </div>
  );
}

export function Loading() {
  return (
    <div className="loading" role="status" aria-live="polite">
      Loading…
    </div>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
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

export function Tabs<T extends string>({ tabs, current, onSelect }: { tabs: readonly (readonly [T, string])[]; current: T; onSelect: (tab: T) => void }) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map(([id, label]) => (
        <button key={id} type="button" role="tab" aria-selected={current === id} className={current === id ? 'tab active' : 'tab'} onClick={() => onSelect(id)}>
          {label}
        </button>
      ))}
    </div>
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
