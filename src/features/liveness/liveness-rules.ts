/**
 * The liveness state machine, without I/O: unknown → active on the first heartbeat,
 * active → warning after the warning threshold (when on), → inactive after the timeout,
 * and any fresh heartbeat → active.
 */
import type { Thresholds } from '../organizations/index.ts';
import type { LivenessStatus } from '../systems/index.ts';

export interface Transition {
  from: LivenessStatus;
  to: LivenessStatus;
  /** When the threshold was crossed. */
  at: Date;
}

export interface Evaluation {
  status: LivenessStatus;
  transitions: Transition[];
  /** When the status would next change without a heartbeat; null when it cannot. */
  nextCheckAt: Date | null;
}

const SECOND = 1000;

/** Where a system stands at `now`, given its last heartbeat, and which thresholds it crossed since `status`. */
export function evaluateLiveness(status: LivenessStatus, lastHeartbeat: Date | null, thresholds: Thresholds, now: Date): Evaluation {
  if (lastHeartbeat === null || status === 'unknown' || status === 'inactive') {
    return { status, transitions: [], nextCheckAt: null };
  }
  const beat = lastHeartbeat.getTime();
  const inactiveAt = new Date(beat + thresholds.timeoutSeconds * SECOND);
  const warningAt = thresholds.warningSeconds > 0 ? new Date(beat + thresholds.warningSeconds * SECOND) : null;

  if (now >= inactiveAt) {
    const transitions: Transition[] = [];
    let from = status;
    if (status === 'active' && warningAt) {
      transitions.push({ from: 'active', to: 'warning', at: warningAt });
      from = 'warning';
    }
    transitions.push({ from, to: 'inactive', at: inactiveAt });
    return { status: 'inactive', transitions, nextCheckAt: null };
  }
  if (warningAt && now >= warningAt) {
    const transitions: Transition[] = status === 'active' ? [{ from: 'active', to: 'warning', at: warningAt }] : [];
    return { status: 'warning', transitions, nextCheckAt: inactiveAt };
  }
  // Before any threshold; a system marked warning under a since-raised threshold is active again.
  const transitions: Transition[] = status === 'warning' ? [{ from: 'warning', to: 'active', at: now }] : [];
  return { status: 'active', transitions, nextCheckAt: warningAt ?? inactiveAt };
}
