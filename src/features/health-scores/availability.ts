import type { LivenessStatus } from '../systems/index.ts';

export interface StatusChange {
  at: Date;
  to: LivenessStatus;
}

export interface StatusSpan {
  from: Date;
  to: Date;
  /** `untracked`: before the system existed. */
  status: LivenessStatus | 'untracked';
}

export interface Availability {
  spans: StatusSpan[];
  seconds: Record<LivenessStatus, number>;
  /** Seconds the system existed within the window. */
  trackedSeconds: number;
  /** Share of the tracked time spent active, 0..1; null when nothing was tracked. */
  activeRatio: number | null;
}

export interface AvailabilityInput {
  from: Date;
  to: Date;
  /** When the system was created: time before it is untracked. */
  createdAt: Date;
  /** Its status at `from` (the last transition before the window), `unknown` when none. */
  statusAtStart: LivenessStatus;
  /** Transitions within the window, oldest first. */
  changes: readonly StatusChange[];
}

/** Cuts a window into spans of one liveness status each and adds up the time in each. */
export function computeAvailability(input: AvailabilityInput): Availability {
  const seconds: Record<LivenessStatus, number> = { unknown: 0, active: 0, warning: 0, inactive: 0 };
  const spans: StatusSpan[] = [];
  const start = Math.max(input.from.getTime(), input.createdAt.getTime());
  const end = input.to.getTime();
  if (start > input.from.getTime()) spans.push({ from: input.from, to: new Date(Math.min(start, end)), status: 'untracked' });

  let cursor = start;
  let status = input.statusAtStart;
  const close = (until: number) => {
    if (until <= cursor) return;
    const last = spans.at(-1);
    if (last && last.status === status && last.to.getTime() === cursor) last.to = new Date(until);
    else spans.push({ from: new Date(cursor), to: new Date(until), status });
    seconds[status] += (until - cursor) / 1000;
    cursor = until;
  };
  for (const change of input.changes) {
    const at = change.at.getTime();
    if (at >= end) break;
    close(Math.max(at, cursor));
    status = change.to;
  }
  close(end);

  const trackedSeconds = Math.max(0, (end - start) / 1000);
  return { spans, seconds, trackedSeconds, activeRatio: trackedSeconds > 0 ? seconds.active / trackedSeconds : null };
}
