import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayOf, formatDateTime, formatDay, formatTick, instantToWall, startOfDay, wallToInstant, zoneName } from '../../web/src/time.ts';

describe('dashboard: one format for absolute times, labelled with their zone', () => {
  const at = '2026-12-07T23:30:05.250Z';

  it('formats an instant in UTC and in other zones, with the zone named', () => {
    assert.equal(formatDateTime(at, 'UTC'), '2026-12-07 23:30:05 UTC');
    assert.equal(formatDateTime(at, 'America/New_York'), '2026-12-07 18:30:05 EST');
    assert.equal(formatDateTime(at, 'Europe/Rome'), '2026-12-08 00:30:05 GMT+1');
    assert.equal(formatDateTime(Date.parse('2026-07-01T00:00:00Z'), 'Europe/Rome'), '2026-07-01 02:00:00 GMT+2', 'summer time');
    assert.equal(formatDateTime(Date.parse('2026-12-07T00:00:00Z'), 'UTC'), '2026-12-07 00:00:00 UTC', 'midnight is 00, not 24');
    assert.equal(zoneName('UTC'), 'UTC');
  });

  it('names calendar days in a zone, and heads a day with its weekday', () => {
    assert.deepEqual(
      [dayOf(at, 'UTC'), dayOf(at, 'Europe/Rome'), dayOf(at, 'Pacific/Kiritimati'), dayOf(at, 'Etc/GMT+12')],
      ['2026-12-07', '2026-12-08', '2026-12-08', '2026-12-07'],
    );
    assert.equal(formatDay('2026-12-07'), 'Monday 2026-12-07');
  });

  it('ticks charts with the day or the time of day in the zone', () => {
    assert.equal(formatTick(Date.parse(at), 'UTC', true), '12-07');
    assert.equal(formatTick(Date.parse(at), 'Europe/Rome', false), '00:30');
  });

  it('reads wall-clock times typed in a zone as the instants they name, and back', () => {
    assert.equal(wallToInstant('2026-12-08T00:30', 'Europe/Rome')?.toISOString(), '2026-12-07T23:30:00.000Z');
    assert.equal(wallToInstant('2026-07-01T02:00', 'Europe/Rome')?.toISOString(), '2026-07-01T00:00:00.000Z');
    assert.equal(wallToInstant('2026-12-07', 'America/New_York')?.toISOString(), '2026-12-07T05:00:00.000Z');
    assert.equal(wallToInstant('2026-12-07T10:00:30', 'UTC')?.toISOString(), '2026-12-07T10:00:30.000Z');
    // 02:30 does not exist on the day clocks spring forward: read with the offset before the change.
    assert.equal(wallToInstant('2026-03-29T02:30', 'Europe/Rome')?.toISOString(), '2026-03-29T01:30:00.000Z');
    for (const bad of ['', 'yesterday', '2026-13-45', '2026-12-07 10:00']) assert.equal(wallToInstant(bad, 'UTC')?.toISOString() ?? null, null, bad);
    assert.equal(instantToWall(new Date(at), 'Europe/Rome'), '2026-12-08T00:30');
    assert.equal(instantToWall(new Date(at), 'UTC'), '2026-12-07T23:30');
  });

  it('starts a day, or the day after, in a zone', () => {
    assert.equal(startOfDay('2026-12-07', 'UTC')?.toISOString(), '2026-12-07T00:00:00.000Z');
    assert.equal(startOfDay('2026-12-07', 'Europe/Rome', 1)?.toISOString(), '2026-12-07T23:00:00.000Z');
    assert.equal(startOfDay('2026-12-31', 'UTC', 1)?.toISOString(), '2027-01-01T00:00:00.000Z');
    assert.equal(startOfDay('', 'UTC'), null);
    assert.equal(startOfDay('2026-02-30x', 'UTC'), null);
  });
});
