import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupByDay } from '../../web/src/day-groups.ts';
import { dayOf } from '../../web/src/time.ts';

describe('dashboard: changes grouped by day', () => {
  const changes = ['2026-11-21T09:00:00Z', '2026-11-21T01:00:00Z', '2026-11-20T23:59:59Z', '2026-11-16T10:00:00Z', '2026-10-31T00:00:00Z'].map((at, id) => ({
    id,
    at,
  }));
  const grouped = (zone: string) =>
    groupByDay(changes, (change) => dayOf(change.at, zone)).map((group) => [group.day, group.items.map((item) => item.id), group.quietDaysBefore]);

  it('groups by UTC day, newest first, and counts the quiet days between groups', () => {
    assert.deepEqual(grouped('UTC'), [
      ['2026-11-21', [0, 1], 0],
      ['2026-11-20', [2], 0],
      ['2026-11-16', [3], 3],
      ['2026-10-31', [4], 15],
    ]);
  });

  it('groups by the days of another zone', () => {
    // New York is 5 hours behind UTC in November: 01:00 and 23:59:59 UTC fall on the day before.
    assert.deepEqual(grouped('America/New_York'), [
      ['2026-11-21', [0], 0],
      ['2026-11-20', [1, 2], 0],
      ['2026-11-16', [3], 3],
      ['2026-10-30', [4], 16],
    ]);
  });

  it('has no groups without changes', () => {
    assert.deepEqual(groupByDay([], String), []);
  });
});
