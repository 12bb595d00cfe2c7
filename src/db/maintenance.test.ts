import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openTestDatabase } from '../../test/helpers/test-databases.ts';
import { maintainDatabase, needsOwnMaintenance } from './maintenance.ts';

describe('embedded database maintenance', () => {
  it('vacuums and analyzes PGlite, which has no autovacuum', async () => {
    const database = await openTestDatabase('pglite');
    try {
      assert.equal(await needsOwnMaintenance(database.db), true);
      await maintainDatabase(database.db);
      const { rows } = await database.db.query<{ last_vacuum: Date | null; last_analyze: Date | null }>(
        "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = 'system_liveness'",
      );
      assert.ok(rows[0]?.last_vacuum instanceof Date);
      assert.ok(rows[0]?.last_analyze instanceof Date);
    } finally {
      await database.dispose();
    }
  });
});
