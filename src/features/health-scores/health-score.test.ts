import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeAvailability } from './availability.ts';
import { computeHealthScore, type HealthInputs } from './health-score.ts';

const HOUR = 3_600_000;
const at = (hours: number) => new Date(Date.UTC(2026, 0, 1) + hours * HOUR);

describe('availability', () => {
  it('splits the window at each transition and adds up the time per status', () => {
    const result = computeAvailability({
      from: at(0),
      to: at(24),
      createdAt: at(-100),
      statusAtStart: 'active',
      changes: [
        { at: at(6), to: 'inactive' },
        { at: at(8), to: 'active' },
        { at: at(20), to: 'warning' },
      ],
    });
    assert.deepEqual(
      result.spans.map((span) => [span.from.getTime(), span.to.getTime(), span.status]),
      [
        [at(0).getTime(), at(6).getTime(), 'active'],
        [at(6).getTime(), at(8).getTime(), 'inactive'],
        [at(8).getTime(), at(20).getTime(), 'active'],
        [at(20).getTime(), at(24).getTime(), 'warning'],
      ],
    );
    assert.deepEqual(result.seconds, { unknown: 0, active: 18 * 3600, warning: 4 * 3600, inactive: 2 * 3600 });
    assert.equal(result.activeRatio, 18 / 24);
  });

  it('does not count the time before the system existed', () => {
    const result = computeAvailability({ from: at(0), to: at(24), createdAt: at(12), statusAtStart: 'unknown', changes: [{ at: at(18), to: 'active' }] });
    assert.deepEqual(
      result.spans.map((span) => span.status),
      ['untracked', 'unknown', 'active'],
    );
    assert.equal(result.trackedSeconds, 12 * 3600);
    assert.equal(result.activeRatio, 0.5);
  });

  it('has no ratio when nothing in the window was tracked', () => {
    const result = computeAvailability({ from: at(0), to: at(24), createdAt: at(30), statusAtStart: 'unknown', changes: [] });
    assert.equal(result.activeRatio, null);
    assert.equal(result.trackedSeconds, 0);
  });
});

describe('health score', () => {
  const healthy: HealthInputs = {
    registered: true,
    activeRatio: 1,
    inventoryAgeMs: HOUR,
    changes: { critical: 0, high: 0, medium: 0 },
    firingAlerts: { critical: 0, high: 0, warning: 0 },
  };

  it('is 100 for a system always active, with a fresh inventory, no changes and no alerts', () => {
    assert.deepEqual(computeHealthScore(healthy), {
      score: 100,
      grade: 'good',
      components: { availability: 1, freshness: 1, changes: 1, alerts: 1 },
    });
  });

  it('weighs availability 50, freshness 20, changes 15, alerts 15', () => {
    assert.equal(computeHealthScore({ ...healthy, activeRatio: 0.5 }).score, 75);
    // Four days old: halfway between 1 day (fresh) and 7 days (stale).
    assert.equal(computeHealthScore({ ...healthy, inventoryAgeMs: 4 * 24 * HOUR }).score, 90);
    assert.equal(computeHealthScore({ ...healthy, inventoryAgeMs: null }).score, 80);
    assert.equal(computeHealthScore({ ...healthy, changes: { critical: 1, high: 1, medium: 2 } }).score, 100 - Math.round(15 * 0.8));
    assert.equal(computeHealthScore({ ...healthy, firingAlerts: { critical: 1, high: 0, warning: 0 } }).score, 85);
    assert.equal(computeHealthScore({ ...healthy, firingAlerts: { critical: 3, high: 2, warning: 0 } }).score, 85);
  });

  it('grades good from 90, fair from 70, poor below', () => {
    assert.equal(computeHealthScore({ ...healthy, activeRatio: 0.8 }).grade, 'good');
    assert.equal(computeHealthScore({ ...healthy, activeRatio: 0.5 }).grade, 'fair');
    assert.equal(computeHealthScore({ ...healthy, activeRatio: 0, inventoryAgeMs: null }).grade, 'poor');
  });

  it('gives no score to a system that never registered', () => {
    assert.deepEqual(computeHealthScore({ ...healthy, registered: false }), { score: null, grade: null, components: null });
  });
});
