import type { ForwardedTransition, TransitionRelayOptions } from '../../features/liveness/index.ts';
import type { LivenessStatus } from '../../features/systems/index.ts';
import type { HeartbeatDaemonParams } from './params.ts';

/** The queue of state-manager calls. */
export const NOTIFICATION_QUEUE = 'heartbeat-daemon-notifications';

/** The four kinds of change the daemon tells the state manager of (SPEC §8.1). */
export const CATEGORIES = {
  started: { state: 'Ready', flag: 'OK', message: 'Heartbeat started' },
  restarted: { state: 'Ready', flag: 'OK', message: 'Heartbeat restarted' },
  warning: { state: 'Ready', flag: 'Warning', message: 'Heartbeat stopped -- might be dead' },
  dead: { state: 'Standby', flag: 'Alert', message: 'Heartbeat stopped -- declared dead' },
} as const;
export type Category = keyof typeof CATEGORIES;

/** One state-manager call: a category's components of one organization, from one relay round. */
export interface NotificationJob {
  organizationId: string;
  category: Category;
  /** Each component with the transition it reports; a component whose system moved on since is left out when sending. */
  components: { systemId: string; xname: string; eventId: number }[];
}

/** What the relay needs of an organization's parameters to shape its jobs. */
export interface SendingParams {
  sending: boolean;
  retries: number;
}

export function categoryOf(from: LivenessStatus, to: LivenessStatus): Category | undefined {
  if (to === 'inactive') return 'dead';
  if (to === 'warning') return 'warning';
  if (to === 'active') return from === 'unknown' ? 'started' : 'restarted';
  return undefined;
}

/** Sending is on when Nosm is 0 and a state manager is named. */
export function sendingParams(params: HeartbeatDaemonParams): SendingParams {
  return { sending: params.nosm === 0 && params.smUrl !== '', retries: params.smRetries };
}

/**
 * One job per organization and category for a round's transitions, each component with its
 * latest transition of the round only (what it went through before is over already).
 */
export function toNotificationJobs(transitions: readonly ForwardedTransition[], context: ReadonlyMap<string, SendingParams>) {
  const latest = new Map<string, ForwardedTransition>();
  for (const transition of transitions) {
    const seen = latest.get(transition.systemId);
    if (!seen || seen.eventId < transition.eventId) latest.set(transition.systemId, transition);
  }
  const jobs = new Map<string, NotificationJob>();
  for (const transition of latest.values()) {
    const category = categoryOf(transition.fromStatus, transition.toStatus);
    const params = context.get(transition.organizationId);
    if (!category || !params?.sending) continue;
    const key = `${transition.organizationId}:${category}`;
    let job = jobs.get(key);
    if (!job) jobs.set(key, (job = { organizationId: transition.organizationId, category, components: [] }));
    job.components.push({ systemId: transition.systemId, xname: transition.externalId, eventId: transition.eventId });
  }
  return [...jobs.values()].map((job) => ({
    data: job,
    retryLimit: context.get(job.organizationId)!.retries,
  }));
}

/** The body of `PATCH {Sm_url}/State/Components/BulkStateData`, keys in the daemon's order. */
export function bulkStateBody(category: Category, xnames: readonly string[]): string {
  const { state, flag, message } = CATEGORIES[category];
  return JSON.stringify({ ComponentIDs: xnames, State: state, Flag: flag, ExtendedInfo: { ID: '', Message: message, Flag: '' } });
}

export const bulkStateUrl = (smUrl: string) => `${smUrl.replace(/\/+$/, '')}/State/Components/BulkStateData`;

export type RelayOptions = TransitionRelayOptions<SendingParams>;
