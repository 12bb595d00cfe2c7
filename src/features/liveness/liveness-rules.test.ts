import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveThresholds } from '../organizations/index.ts';
import { evaluateLiveness } from './liveness-rules.ts';

const beat = new Date('2026-01-01T00:00:00Z');
const at = (minutes: number) => new Date(beat.getTime() + minutes * 60_000);
const noWarning = { timeoutSeconds: 600, warningSeconds: 0 };
const withWarning = { timeoutSeconds: 600, warningSeconds: 300 };

describe('evaluateLiveness', () => {
  it('keeps an active system active before the timeout, waking at the timeout', () => {
    assert.deepEqual(evaluateLiveness('active', beat, noWarning, at(9.99)), { status: 'active', transitions: [], nextCheckAt: at(10) });
  });

  it('marks an active system inactive at the timeout, dated at the threshold', () => {
    assert.deepEqual(evaluateLiveness('active', beat, noWarning, at(12)), {
      status: 'inactive',
      transitions: [{ from: 'active', to: 'inactive', at: at(10) }],
      nextCheckAt: null,
    });
  });

  it('passes through warning when it is on, and records both crossings when late', () => {
    assert.deepEqual(evaluateLiveness('active', beat, withWarning, at(5)), {
      status: 'warning',
      transitions: [{ from: 'active', to: 'warning', at: at(5) }],
      nextCheckAt: at(10),
    });
    assert.deepEqual(evaluateLiveness('warning', beat, withWarning, at(10)).transitions, [{ from: 'warning', to: 'inactive', at: at(10) }]);
    assert.deepEqual(evaluateLiveness('active', beat, withWarning, at(30)).transitions, [
      { from: 'active', to: 'warning', at: at(5) },
      { from: 'warning', to: 'inactive', at: at(10) },
    ]);
  });

  it('returns a warning system to active when a raised threshold puts it back before the warning', () => {
    const now = at(6);
    assert.deepEqual(evaluateLiveness('warning', beat, { timeoutSeconds: 1800, warningSeconds: 1200 }, now), {
      status: 'active',
      transitions: [{ from: 'warning', to: 'active', at: now }],
      nextCheckAt: at(20),
    });
  });

  it('never moves unknown or inactive systems: only a heartbeat does', () => {
    assert.deepEqual(evaluateLiveness('unknown', null, noWarning, at(100)), { status: 'unknown', transitions: [], nextCheckAt: null });
    assert.deepEqual(evaluateLiveness('inactive', beat, noWarning, at(100)), { status: 'inactive', transitions: [], nextCheckAt: null });
  });
});

describe('effectiveThresholds', () => {
  it('takes the organization value where set, the default otherwise, and drops an unreachable warning', () => {
    assert.deepEqual(effectiveThresholds({ heartbeatTimeoutSeconds: null, heartbeatWarningSeconds: null }, withWarning), withWarning);
    assert.deepEqual(effectiveThresholds({ heartbeatTimeoutSeconds: 180, heartbeatWarningSeconds: null }, withWarning), {
      timeoutSeconds: 180,
      warningSeconds: 0,
    });
    assert.deepEqual(effectiveThresholds({ heartbeatTimeoutSeconds: null, heartbeatWarningSeconds: 0 }, withWarning), noWarning);
    assert.deepEqual(effectiveThresholds({ heartbeatTimeoutSeconds: 3600, heartbeatWarningSeconds: 1800 }, noWarning), {
      timeoutSeconds: 3600,
      warningSeconds: 1800,
    });
  });
});
