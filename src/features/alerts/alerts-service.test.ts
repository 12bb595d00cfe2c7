import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { createFakeDb, type FakeDb } from '../../../test/helpers/fake-db.ts';
import { ManualClock } from '../../clock/clock.ts';
import type { Sql } from '../../db/db.ts';
import { NotFoundError } from '../../errors/errors.ts';
import type { UnalertedEvent } from '../liveness/index.ts';
import type { System } from '../systems/index.ts';
import { DEFAULT_ALERT_RULES, type AlertRules } from './alert-rules.ts';
import { HEARTBEAT_WARNING, INVENTORY_CHANGE, LINK_FAILED, SYSTEM_REGISTERED, createAlertsService, type StoredChange } from './alerts-service.ts';
import type { Alert, AlertFilter, AlertsStore, NewAlert } from './alerts-store.ts';

const ORGANIZATION_ID = randomUUID();
const PAGE = { page: 1, pageSize: 50 };

type StoredAlert = NewAlert & { id: string; organizationId: string; updatedAt: Date };

/**
 * The alerts table in memory, refusing what its unique indexes refuse: a second alert from the
 * same source, or one whose fingerprint is still firing. Every write must run in the open transaction.
 */
function createFakeAlertsStore(db: FakeDb, systemIds: ReadonlySet<string>): { store: AlertsStore; alerts: StoredAlert[]; listed: AlertFilter[] } {
  const alerts: StoredAlert[] = [];
  const listed: AlertFilter[] = [];
  const inTransaction = (tx: Sql): void => assert.equal(tx, db.currentTransaction, 'runs in the open transaction');
  const toAlert = ({ description, labels, ...alert }: StoredAlert): Alert => ({
    ...alert,
    labels: labels ?? {},
    annotations: { summary: alert.summary, description },
    createdAt: alert.startsAt,
    acknowledgement: null,
  });
  const insert = (alert: NewAlert, now: Date): { id: string; organizationId: string } | null => {
    if (!systemIds.has(alert.systemId)) return null;
    const clash = alerts.some(
      (stored) =>
        (stored.sourceType === alert.sourceType && stored.sourceId === alert.sourceId && stored.name === alert.name) ||
        (stored.status === 'firing' && alert.status === 'firing' && stored.fingerprint === alert.fingerprint),
    );
    if (clash) return null;
    const stored = { ...alert, id: randomUUID(), organizationId: ORGANIZATION_ID, updatedAt: now };
    alerts.push(stored);
    return { id: stored.id, organizationId: stored.organizationId };
  };
  const store: AlertsStore = {
    raise(tx, alert, now) {
      inTransaction(tx);
      return Promise.resolve(insert(alert, now));
    },
    raiseMany(tx, many, now) {
      inTransaction(tx);
      return Promise.resolve(many.map((alert) => insert(alert, now)).filter((raised) => raised !== null));
    },
    resolve(tx, fingerprint, endsAt, now) {
      inTransaction(tx);
      const firing = alerts.find((alert) => alert.fingerprint === fingerprint && alert.status === 'firing');
      if (!firing) return Promise.resolve(null);
      Object.assign(firing, { status: 'resolved', endsAt, updatedAt: now });
      return Promise.resolve({ id: firing.id, organizationId: firing.organizationId });
    },
    resolveExpired(tx, now) {
      inTransaction(tx);
      const expired = alerts.filter((alert) => alert.status === 'firing' && alert.endsAt !== null && alert.endsAt <= now);
      for (const alert of expired) Object.assign(alert, { status: 'resolved', updatedAt: now });
      return Promise.resolve(expired.length);
    },
    findById: (id) => Promise.resolve(alerts.filter((alert) => alert.id === id).map(toAlert)[0] ?? null),
    firingOpenEndedAlerts: () => Promise.reject(new Error('not used by the service')),
    setAcknowledgement: () => Promise.reject(new Error('not used by the service')),
    list(filter) {
      listed.push(filter);
      const items = alerts.filter((alert) => !filter.systemId || alert.systemId === filter.systemId).map(toAlert);
      return Promise.resolve({ items, total: items.length, page: filter.page, pageSize: filter.pageSize });
    },
  };
  return { store, alerts, listed };
}

function setUp(rules: AlertRules = DEFAULT_ALERT_RULES) {
  const db = createFakeDb();
  const clock = new ManualClock('2026-03-01T10:00:00.000Z');
  const systemId = randomUUID();
  const otherSystemId = randomUUID();
  const { store, alerts, listed } = createFakeAlertsStore(db, new Set([systemId, otherSystemId]));
  const enqueued: { alertId: string; toAlertmanager: boolean; inTransaction: boolean }[] = [];
  const enqueueManyCalls: { alertIds: string[]; toAlertmanager: boolean; inTransaction: boolean }[] = [];
  const waiting: UnalertedEvent[] = [];
  const claims: number[] = [];
  const marked: number[][] = [];
  const service = createAlertsService({
    db,
    store,
    rules,
    clock,
    deliveries: {
      enqueue(tx, alert, toAlertmanager) {
        enqueued.push({ alertId: alert.id, toAlertmanager, inTransaction: tx === db.currentTransaction });
        return Promise.resolve();
      },
      enqueueMany(tx, many, toAlertmanager) {
        enqueueManyCalls.push({ alertIds: many.map((alert) => alert.id), toAlertmanager, inTransaction: tx === db.currentTransaction });
        return Promise.resolve();
      },
    },
    liveness: {
      claimUnalerted(tx, limit) {
        assert.equal(tx, db.currentTransaction);
        claims.push(limit);
        return Promise.resolve(waiting.splice(0, limit));
      },
      markAlerted(tx, ids) {
        assert.equal(tx, db.currentTransaction);
        marked.push([...ids]);
        return Promise.resolve();
      },
    },
    systems: {
      get: (id) => (id === systemId || id === otherSystemId ? Promise.resolve({ id } as System) : Promise.reject(new NotFoundError(`system ${id} not found`))),
    },
  });
  let nextEventId = 1;
  /** A liveness transition waiting to be alerted on. */
  const transition = (
    fromStatus: UnalertedEvent['fromStatus'],
    toStatus: UnalertedEvent['toStatus'],
    options: { watched?: boolean; system?: string } = {},
  ): UnalertedEvent => {
    const event = {
      id: nextEventId++,
      systemId: options.system ?? systemId,
      systemName: 'edge-1',
      watched: options.watched ?? true,
      fromStatus,
      toStatus,
      occurredAt: clock.now(),
    };
    waiting.push(event);
    return event;
  };
  return { service, db, clock, alerts, listed, enqueued, enqueueManyCalls, claims, marked, transition, waiting, systemId, otherSystemId };
}

let nextChangeId = 1;
function change(overrides: Partial<StoredChange> = {}): StoredChange {
  return {
    id: nextChangeId++,
    fieldPath: 'os.version',
    diffType: 'update',
    previousValue: '8.0',
    currentValue: '8.1',
    category: 'os',
    severity: 'high',
    significant: true,
    rule: 'os-version',
    ...overrides,
  };
}

describe('alerts service', () => {
  describe('raiseForChanges', () => {
    it('raises for the significant changes an alert rule matches, and for no other', async () => {
      const { service, db, alerts, systemId } = setUp();
      const raising = [change({ severity: 'high' }), change({ severity: 'critical' }), change({ severity: 'low', category: 'security' })];
      const quiet = [change({ severity: 'medium' }), change({ severity: 'critical', significant: false }), change({ severity: 'low', category: 'network' })];
      const raised = await db.transaction((tx) =>
        service.raiseForChanges(tx, [{ systemId, detectedAt: new Date('2026-03-01T09:00:00Z'), changes: [...quiet, ...raising] }]),
      );
      assert.equal(raised, 3);
      assert.deepEqual(
        alerts.map((alert) => alert.sourceId),
        raising.map((raisingChange) => String(raisingChange.id)),
      );
    });

    it('follows the rules given: their severities and categories, and which rule matched first', async () => {
      const rules: AlertRules = {
        ...DEFAULT_ALERT_RULES,
        changes: [
          { id: 'network-medium', severities: ['medium'], categories: ['network'] },
          { id: 'any-network', severities: null, categories: ['network'] },
        ],
      };
      const { service, db, alerts, systemId } = setUp(rules);
      const changes = [
        change({ severity: 'medium', category: 'network' }),
        change({ severity: 'low', category: 'network' }),
        change({ severity: 'critical', category: 'os' }),
      ];
      await db.transaction((tx) => service.raiseForChanges(tx, [{ systemId, detectedAt: new Date(), changes }]));
      assert.deepEqual(
        alerts.map((alert) => alert.description.match(/alert rule ([\w-]+)/)?.[1]),
        ['network-medium', 'any-network'],
      );
    });

    it('describes the change: fingerprint, summary with both values (long ones cut), description, labels, 24 hours from its detection', async () => {
      const { service, db, clock, alerts, systemId } = setUp();
      const detectedAt = new Date('2026-03-01T09:00:00Z');
      const long = 'x'.repeat(200);
      const changes = [
        change({ id: 7001, previousValue: null, currentValue: { kernel: '6.1' }, rule: 'kernel' }),
        change({ id: 7002, previousValue: long, currentValue: 'short' }),
      ];
      await db.transaction((tx) => service.raiseForChanges(tx, [{ systemId, detectedAt, changes }]));
      assert.deepEqual(alerts[0], {
        id: alerts[0]!.id,
        organizationId: ORGANIZATION_ID,
        updatedAt: clock.now(),
        fingerprint: 'change:7001',
        name: INVENTORY_CHANGE,
        systemId,
        severity: 'high',
        status: 'firing',
        summary: 'os.version changed: (none) → {"kernel":"6.1"}',
        description: 'A high os change (rule kernel; alert rule high-or-critical-change).',
        labels: { category: 'os', field_path: 'os.version' },
        sourceType: 'diff',
        sourceId: '7001',
        startsAt: detectedAt,
        endsAt: new Date('2026-03-02T09:00:00Z'),
      });
      assert.equal(alerts[1]!.summary, `os.version changed: ${'x'.repeat(117)}... → short`);
    });

    it('enqueues the deliveries of all the records once, to Alertmanager too, in the transaction; none for what was raised before', async () => {
      const { service, db, alerts, enqueueManyCalls, enqueued, systemId, otherSystemId } = setUp();
      const first = change();
      const changeSets = [
        { systemId, detectedAt: new Date(), changes: [first, change({ category: 'security', severity: 'low' })] },
        { systemId: otherSystemId, detectedAt: new Date(), changes: [change()] },
      ];
      assert.equal(await db.transaction((tx) => service.raiseForChanges(tx, changeSets)), 3);
      assert.deepEqual(enqueueManyCalls, [{ alertIds: alerts.map((alert) => alert.id), toAlertmanager: true, inTransaction: true }]);
      assert.deepEqual(enqueued, []);

      assert.equal(await db.transaction((tx) => service.raiseForChanges(tx, [{ systemId, detectedAt: new Date(), changes: [first] }])), 0, 'none twice');
      assert.deepEqual(enqueueManyCalls[1], { alertIds: [], toAlertmanager: true, inTransaction: true });
    });
  });

  describe('recordRegistration', () => {
    it('records the registration as an event already resolved, delivered to webhooks only', async () => {
      const { service, db, clock, alerts, enqueued, systemId } = setUp();
      const at = new Date('2026-03-01T09:30:00Z');
      await db.transaction((tx) => service.recordRegistration(tx, systemId, at));
      assert.equal(alerts.length, 1);
      assert.deepEqual(alerts[0], {
        id: alerts[0]!.id,
        organizationId: ORGANIZATION_ID,
        updatedAt: clock.now(),
        fingerprint: `registered:${systemId}`,
        name: SYSTEM_REGISTERED,
        systemId,
        severity: 'info',
        status: 'resolved',
        summary: 'A new system registered',
        description: 'The appliance proved its secret and received its system key.',
        sourceType: 'registration',
        sourceId: systemId,
        startsAt: at,
        endsAt: at,
      });
      assert.deepEqual(enqueued, [{ alertId: alerts[0].id, toAlertmanager: false, inTransaction: true }]);
    });

    it('takes its severity from the rules, and records nothing without a registration rule', async () => {
      const warned = setUp({ ...DEFAULT_ALERT_RULES, registration: 'warning' });
      await warned.db.transaction((tx) => warned.service.recordRegistration(tx, warned.systemId, new Date()));
      assert.equal(warned.alerts[0]!.severity, 'warning');

      const silent = setUp({ ...DEFAULT_ALERT_RULES, registration: null });
      await silent.db.transaction((tx) => silent.service.recordRegistration(tx, silent.systemId, new Date()));
      assert.deepEqual(silent.alerts, []);
      assert.deepEqual(silent.enqueued, []);
    });
  });

  describe('processLivenessEvents', () => {
    it('raises LinkFailed when a system goes inactive and resolves it when it is back, delivering both to Alertmanager', async () => {
      const { service, clock, alerts, enqueued, marked, transition, systemId } = setUp();
      const down = transition('active', 'inactive');
      assert.equal(await service.processLivenessEvents(), 1);
      assert.equal(alerts.length, 1);
      assert.deepEqual(
        { ...alerts[0], id: undefined },
        {
          id: undefined,
          organizationId: ORGANIZATION_ID,
          updatedAt: clock.now(),
          fingerprint: `linkfailed:${systemId}`,
          name: LINK_FAILED,
          systemId,
          severity: 'critical',
          status: 'firing',
          summary: 'edge-1 stopped sending heartbeats',
          description: 'No heartbeat within the heartbeat timeout: the system is inactive.',
          sourceType: 'liveness',
          sourceId: String(down.id),
          startsAt: down.occurredAt,
          endsAt: null,
        },
      );
      assert.deepEqual(marked, [[down.id]]);

      clock.advanceMinutes(30);
      const back = transition('inactive', 'active');
      assert.equal(await service.processLivenessEvents(), 1);
      assert.equal(alerts[0]!.status, 'resolved');
      assert.deepEqual(alerts[0]!.endsAt, back.occurredAt);
      assert.equal(alerts.length, 1, 'going active raises nothing');
      assert.deepEqual(enqueued, [
        { alertId: alerts[0]!.id, toAlertmanager: true, inTransaction: true },
        { alertId: alerts[0]!.id, toAlertmanager: true, inTransaction: true },
      ]);
      assert.deepEqual(marked, [[down.id], [back.id]]);
    });

    it('raises HeartbeatWarning for a late system and resolves it when it goes inactive, raising LinkFailed', async () => {
      const { service, alerts, transition, systemId } = setUp();
      transition('active', 'warning');
      transition('warning', 'inactive');
      assert.equal(await service.processLivenessEvents(), 2);
      assert.deepEqual(
        alerts.map(({ name, fingerprint, status, severity, summary }) => ({ name, fingerprint, status, severity, summary })),
        [
          {
            name: HEARTBEAT_WARNING,
            fingerprint: `heartbeat-warning:${systemId}`,
            status: 'resolved',
            severity: 'warning',
            summary: 'edge-1 is late with its heartbeat',
          },
          { name: LINK_FAILED, fingerprint: `linkfailed:${systemId}`, status: 'firing', severity: 'critical', summary: 'edge-1 stopped sending heartbeats' },
        ],
      );
    });

    it('raises by the liveness rules: their severities, and nothing for a transition whose rule is off', async () => {
      const { service, alerts, marked, transition } = setUp({ ...DEFAULT_ALERT_RULES, liveness: { inactive: 'high', warning: null } });
      const late = transition('active', 'warning');
      const down = transition('warning', 'inactive');
      assert.equal(await service.processLivenessEvents(), 2);
      assert.deepEqual(
        alerts.map(({ name, severity }) => ({ name, severity })),
        [{ name: LINK_FAILED, severity: 'high' }],
      );
      assert.deepEqual(marked, [[late.id, down.id]], 'handled all the same');
    });

    it('raises nothing for a system no longer watched, but still resolves its alert and marks the transition', async () => {
      const { service, alerts, enqueued, marked, transition } = setUp();
      transition('active', 'inactive');
      await service.processLivenessEvents();
      const back = transition('inactive', 'active', { watched: false });
      const downAgain = transition('active', 'inactive', { watched: false });
      assert.equal(await service.processLivenessEvents(), 2);
      assert.deepEqual(
        alerts.map((alert) => alert.status),
        ['resolved'],
      );
      assert.equal(enqueued.length, 2, 'raised, then resolved');
      assert.deepEqual(marked.at(-1), [back.id, downAgain.id]);
    });

    it('answers -1 and claims nothing when another node holds the lock', async () => {
      const { service, db, claims, marked, transition, waiting } = setUp();
      transition('active', 'inactive');
      db.advisoryLockFree = false;
      assert.equal(await service.processLivenessEvents(), -1);
      assert.deepEqual(claims, []);
      assert.deepEqual(marked, []);
      assert.equal(waiting.length, 1);
      assert.deepEqual(
        db.statements.map((statement) => ({ params: statement.params, inTransaction: statement.tx !== null })),
        [{ params: ['liveness-alerts'], inTransaction: true }],
      );
    });

    it('works through the waiting transitions 500 per transaction until fewer remain', async () => {
      const { service, claims, marked, transition, otherSystemId } = setUp();
      for (let index = 0; index < 501; index++) transition('active', 'warning', { system: otherSystemId });
      assert.equal(await service.processLivenessEvents(), 501);
      assert.deepEqual(claims, [500, 500]);
      assert.deepEqual(
        marked.map((ids) => ids.length),
        [500, 1],
      );
      assert.equal(await service.processLivenessEvents(), 0, 'nothing waits');
    });
  });

  describe('lists', () => {
    it("lists across the fleet with the filter given, and a system's alerts with its id", async () => {
      const { service, db, listed, systemId, otherSystemId } = setUp();
      await db.transaction((tx) =>
        service.raiseForChanges(tx, [
          { systemId, detectedAt: new Date(), changes: [change()] },
          { systemId: otherSystemId, detectedAt: new Date(), changes: [change()] },
        ]),
      );
      assert.equal((await service.list({ ...PAGE, status: 'firing' })).total, 2);
      const own = await service.listOfSystem(systemId, PAGE);
      assert.deepEqual(
        own.items.map((alert) => alert.systemId),
        [systemId],
      );
      assert.deepEqual(listed, [
        { ...PAGE, status: 'firing' },
        { ...PAGE, systemId },
      ]);
    });

    it('answers NotFound for the alerts of an unknown system', async () => {
      const { service, listed } = setUp();
      await assert.rejects(service.listOfSystem(randomUUID(), PAGE), { statusCode: 404 });
      assert.deepEqual(listed, []);
    });
  });

  describe('resolveExpired', () => {
    it('resolves the change alerts whose 24 hours are up, and no liveness alert', async () => {
      const { service, db, clock, alerts, transition, systemId } = setUp();
      await db.transaction((tx) => service.raiseForChanges(tx, [{ systemId, detectedAt: clock.now(), changes: [change()] }]));
      transition('active', 'inactive');
      await service.processLivenessEvents();
      clock.advanceMinutes(24 * 60 - 1);
      assert.equal(await service.resolveExpired(), 0);
      clock.advanceMinutes(1);
      assert.equal(await service.resolveExpired(), 1);
      assert.deepEqual(
        alerts.map(({ name, status }) => ({ name, status })),
        [
          { name: INVENTORY_CHANGE, status: 'resolved' },
          { name: LINK_FAILED, status: 'firing' },
        ],
      );
    });
  });
});
