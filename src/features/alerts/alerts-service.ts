import type { Clock } from '../../clock/clock.ts';
import { tryAdvisoryXactLock, type Db, type Sql } from '../../db/db.ts';
import { alertRuleForChange, type AlertRules } from './alert-rules.ts';
import type { AlertDeliveries } from './deliveries-service.ts';
import type { Alert, AlertFilter, AlertsStore, NewAlert } from './alerts-store.ts';
import type { Page } from '../../http/pagination.ts';
import type { LivenessService } from '../liveness/index.ts';
import type { SystemsService } from '../systems/index.ts';
import type { ClassifiedChange } from '../../domain/changes.ts';

/** How long an alert about one change stays firing. */
const CHANGE_ALERT_HOURS = 24;
const LIVENESS_EVENTS_PER_TRANSACTION = 500;

export const LINK_FAILED = 'LinkFailed';
export const HEARTBEAT_WARNING = 'HeartbeatWarning';
export const INVENTORY_CHANGE = 'InventoryChange';
export const SYSTEM_REGISTERED = 'SystemRegistered';

/** A change as stored, with its id (alerts about it are keyed by it). */
export interface StoredChange extends ClassifiedChange {
  id: number;
}

/** Stored changes of one record: what raiseForChanges takes, several records at a time. */
export interface ChangeSet {
  systemId: string;
  detectedAt: Date;
  changes: readonly StoredChange[];
}

export interface AlertsServiceDeps {
  db: Db;
  store: AlertsStore;
  rules: AlertRules;
  clock: Clock;
  deliveries: Pick<AlertDeliveries, 'enqueue' | 'enqueueMany'>;
  liveness: Pick<LivenessService, 'claimUnalerted' | 'markAlerted'>;
  systems: Pick<SystemsService, 'get'>;
}

function brief(value: unknown): string {
  const text = value === null || value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export interface AlertsService {
  /** Alerts across the fleet, newest first. */
  list(filter: AlertFilter): Promise<Page<Alert>>;
  /** A system's alerts, newest first; NotFoundError for an unknown system. */
  listOfSystem(systemId: string, filter: Omit<AlertFilter, 'systemId'>): Promise<Page<Alert>>;
  /**
   * Raises the alerts the changes call for, for any number of records at once (one statement
   * for the alerts, one webhook lookup and one insert for their deliveries); runs in the
   * transaction that stored the changes. Answers how many were raised: none twice, since each
   * alert is keyed by the change it is about.
   */
  raiseForChanges(tx: Sql, changeSets: readonly ChangeSet[]): Promise<number>;
  /** Records the registration event (an alert resolved at once) in the registering transaction. */
  recordRegistration(tx: Sql, systemId: string, at: Date): Promise<void>;
  /** Resolves the system's firing LinkFailed and HeartbeatWarning as of `at`, in the transaction that suspends or deletes it. */
  resolveLivenessOf(tx: Sql, systemId: string, at: Date): Promise<void>;
  /**
   * Raises or resolves LinkFailed and HeartbeatWarning for liveness transitions not yet
   * handled, once per cluster. Returns how many transitions it handled (-1: another node holds it).
   * Once `signal` is aborted (the node stops) it ends after the current transaction.
   */
  processLivenessEvents(signal?: AbortSignal): Promise<number>;
  /** Resolves change alerts whose time is up. */
  resolveExpired(): Promise<number>;
}

/**
 * Turns what happens to systems into alerts, by the `alerts` rules: significant inventory
 * changes (in the transaction that stores them), liveness transitions (from the events the
 * heartbeat path and the scanner record, once per cluster), and registrations.
 */
export function createAlertsService(deps: AlertsServiceDeps): AlertsService {
  const { store, rules, clock } = deps;

  return {
    list(filter: AlertFilter): Promise<Page<Alert>> {
      return store.list(filter);
    },

    async listOfSystem(systemId: string, filter: Omit<AlertFilter, 'systemId'>): Promise<Page<Alert>> {
      await deps.systems.get(systemId);
      return store.list({ ...filter, systemId });
    },

    async raiseForChanges(tx: Sql, changeSets: readonly ChangeSet[]): Promise<number> {
      const now = clock.now();
      const alerts: NewAlert[] = [];
      for (const { systemId, detectedAt, changes } of changeSets) {
        for (const change of changes) {
          const rule = alertRuleForChange(change, rules);
          if (!rule) continue;
          alerts.push({
            fingerprint: `change:${change.id}`,
            name: INVENTORY_CHANGE,
            systemId,
            severity: change.severity,
            status: 'firing',
            summary: `${change.fieldPath} changed: ${brief(change.previousValue)} → ${brief(change.currentValue)}`,
            description: `A ${change.severity} ${change.category} change (rule ${change.rule}; alert rule ${rule.id}).`,
            labels: { category: change.category, field_path: change.fieldPath },
            sourceType: 'diff',
            sourceId: String(change.id),
            startsAt: detectedAt,
            endsAt: new Date(detectedAt.getTime() + CHANGE_ALERT_HOURS * 3_600_000),
          });
        }
      }
      const raised = await store.raiseMany(tx, alerts, now);
      await deps.deliveries.enqueueMany(tx, raised, true);
      return raised.length;
    },

    async resolveLivenessOf(tx: Sql, systemId: string, at: Date): Promise<void> {
      // No longer watched (suspended or deleted): its outage or lateness is over for alerting.
      const now = clock.now();
      for (const fingerprint of [`linkfailed:${systemId}`, `heartbeat-warning:${systemId}`]) {
        const resolved = await store.resolve(tx, fingerprint, at, now);
        if (resolved) await deps.deliveries.enqueue(tx, resolved, true);
      }
    },

    async recordRegistration(tx: Sql, systemId: string, at: Date): Promise<void> {
      if (!rules.registration) return;
      const event = await store.raise(
        tx,
        {
          fingerprint: `registered:${systemId}`,
          name: SYSTEM_REGISTERED,
          systemId,
          severity: rules.registration,
          status: 'resolved',
          summary: 'A new system registered',
          description: 'The appliance proved its secret and received its system key.',
          sourceType: 'registration',
          sourceId: systemId,
          startsAt: at,
          endsAt: at,
        },
        clock.now(),
      );
      if (event) await deps.deliveries.enqueue(tx, event, false);
    },

    async processLivenessEvents(signal?: AbortSignal): Promise<number> {
      let handled = 0;
      for (;;) {
        const count = await deps.db.transaction(async (tx) => {
          if (!(await tryAdvisoryXactLock(tx, 'liveness-alerts'))) return -1;
          const events = await deps.liveness.claimUnalerted(tx, LIVENESS_EVENTS_PER_TRANSACTION);
          const now = clock.now();
          for (const event of events) {
            const fingerprint =
              event.fromStatus === 'inactive' ? `linkfailed:${event.systemId}` : event.fromStatus === 'warning' ? `heartbeat-warning:${event.systemId}` : null;
            const resolved = fingerprint ? await store.resolve(tx, fingerprint, event.occurredAt, now) : null;
            if (resolved) await deps.deliveries.enqueue(tx, resolved, true);
            if (!event.watched) continue;
            const severity = event.toStatus === 'inactive' ? rules.liveness.inactive : event.toStatus === 'warning' ? rules.liveness.warning : null;
            if (!severity) continue;
            const inactive = event.toStatus === 'inactive';
            const raised = await store.raise(
              tx,
              {
                fingerprint: `${inactive ? 'linkfailed' : 'heartbeat-warning'}:${event.systemId}`,
                name: inactive ? LINK_FAILED : HEARTBEAT_WARNING,
                systemId: event.systemId,
                severity,
                status: 'firing',
                summary: inactive ? `${event.systemName} stopped sending heartbeats` : `${event.systemName} is late with its heartbeat`,
                description: inactive ? 'No heartbeat within the heartbeat timeout: the system is inactive.' : 'No heartbeat within the warning threshold.',
                sourceType: 'liveness',
                sourceId: String(event.id),
                startsAt: event.occurredAt,
                endsAt: null,
              },
              now,
            );
            if (raised) await deps.deliveries.enqueue(tx, raised, true);
          }
          await deps.liveness.markAlerted(
            tx,
            events.map((event) => event.id),
          );
          return events.length;
        });
        if (count < 0) return handled === 0 ? -1 : handled;
        handled += count;
        if (count < LIVENESS_EVENTS_PER_TRANSACTION || signal?.aborted) return handled;
      }
    },

    async resolveExpired(): Promise<number> {
      return deps.db.transaction((tx) => store.resolveExpired(tx, clock.now()));
    },
  };
}
