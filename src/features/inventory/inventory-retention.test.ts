import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { ManualClock } from '../../clock/clock.ts';
import { createLogger } from '../../logging/logger.ts';
import { useTestMuster } from '../../../test/helpers/test-muster.ts';
import { databaseKinds } from '../../../test/helpers/test-databases.ts';
import { createInventoryRetention } from './inventory-retention.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The policy, written independently of the SQL: which record times survive at `now`. */
function expectedSurvivors(times: number[], now: Date): Set<number> {
  const monthsAgo = (months: number) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, now.getUTCDate(), now.getUTCHours(), now.getUTCMinutes());
  const bucket = (time: number): string => {
    const date = new Date(time);
    const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
    if (time > now.getTime() - 7 * DAY) return `all:${time}`;
    if (time > monthsAgo(1)) return `day:${day}`;
    if (time > monthsAgo(3)) return `week:${day - ((date.getUTCDay() + 6) % 7) * DAY}`;
    if (time > monthsAgo(12)) return `month:${date.getUTCFullYear()}-${date.getUTCMonth()}`;
    return `quarter:${date.getUTCFullYear()}-${Math.floor(date.getUTCMonth() / 3)}`;
  };
  const sorted = [...times].sort((a, b) => a - b);
  const newestPerBucket = new Map<string, number>();
  for (const time of sorted) newestPerBucket.set(bucket(time), time);
  return new Set([sorted[0]!, sorted.at(-1)!, ...newestPerBucket.values()]);
}

for (const kind of databaseKinds()) {
  describe(`inventory retention (${kind})`, () => {
    const { database, t } = useTestMuster(kind, { env: { ROLES: 'api' }, clock: () => new ManualClock('2026-06-15T12:00:00Z') });

    it('keeps a year and more of 6-hourly records exactly as the policy says, and every diff', async () => {
      const system = await t.createRegisteredSystem();
      const other = await t.createRegisteredSystem();
      const now = t.clock.now();
      const times: number[] = [];
      for (let time = now.getTime() - 400 * DAY; time <= now.getTime(); time += 6 * HOUR) times.push(time);
      for (const id of [system.id, other.id]) {
        await database.db.query(
          `INSERT INTO inventory_records (id, system_id, received_at, last_seen_at, hash, size, data)
           SELECT gen_random_uuid(), $1, t, t, 'hash', 2, '{}'::jsonb FROM unnest($2::timestamptz[]) AS t`,
          [id, times.map((time) => new Date(time))],
        );
      }
      const recordId = randomUUID();
      await database.db.query(
        `INSERT INTO inventory_diffs (system_id, organization_id, record_id, previous_record_id, detected_at, field_path, diff_type, category, severity, significant, rule)
         VALUES ($1, $2, $3, $3, $4, 'os.version', 'update', 'os', 'high', true, 'test')`,
        [system.id, system.organizationId, recordId, new Date(times[0]!)],
      );

      const retention = createInventoryRetention({ db: database.db, clock: t.clock, logger: createLogger('silent') });
      const deleted = await retention.run();
      const expected = expectedSurvivors(times, now);
      assert.equal(deleted, 2 * (times.length - expected.size));
      for (const id of [system.id, other.id]) {
        const { rows } = await database.db.query<{ received_at: Date }>('SELECT received_at FROM inventory_records WHERE system_id = $1 ORDER BY received_at', [
          id,
        ]);
        assert.deepEqual(
          rows.map((row) => row.received_at.toISOString()),
          [...expected].sort((a, b) => a - b).map((time) => new Date(time).toISOString()),
        );
      }
      const diffs = await database.db.query('SELECT 1 FROM inventory_diffs WHERE system_id = $1', [system.id]);
      assert.equal(diffs.rows.length, 1, 'diffs are never deleted');

      // Everything within 7 days, the first and the latest stayed; a second run finds nothing to do.
      const kept = [...expected];
      assert.ok(kept.includes(times[0]!) && kept.includes(times.at(-1)!));
      assert.equal(
        times.filter((time) => time > now.getTime() - 7 * DAY).every((time) => expected.has(time)),
        true,
      );
      assert.equal(await retention.run(), 0);
    });
  });
}
