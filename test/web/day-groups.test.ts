import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupByDay } from '../../web/src/day-groups.ts';

describe('dashboard: changes grouped by day', () => {
  it('groups by UTC day, newest first, and counts the quiet days between groups', () => {
    const changes = ['2026-11-21T09:00:00Z', '2026-11-21T01:00:00Z', '2026-11-20T23:59:59Z', '2026-11-16T10:00:00Z', '2026-10-31T00:00:00Z'].map((at, id) => ({
      id,
      at,
    }));
    const groups = groupByDay(changes, (change) => change.at);
    assert.deepEqual(
      groups.map((group) => [group.day, group.items.map((item) => item.id), group.quietDaysBefore]),
      [
        ['2026-11-21', [0, 1], 0],
        ['2026-11-20', [2], 0],
        ['2026-11-16', [3], 3],
        ['2026-10-31', [4], 15],
      ],
    );
  });

  it('has no groups without changes', () => {
    assert.deepEqual(groupByDay([], String), []);
  });
});
