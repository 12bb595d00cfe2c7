import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, it } from 'node:test';
import { databaseKinds } from '../../test/helpers/test-databases.ts';
import { useTestDatabase } from '../../test/helpers/test-databases.ts';
import { createAuditedDb, noteAudit, runInAuditScope, type AuditEntry, type AuditScope } from './audit-scope.ts';
import type { Db } from './db.ts';

// The audited Db's rules, on a real database: which transaction of a request carries its row.
for (const kind of databaseKinds()) {
  describe(`the audited Db (${kind})`, () => {
    const database = useTestDatabase(kind);
    let audited: Db;

    before(async () => {
      await database.db.query('CREATE TABLE scope_things (id text PRIMARY KEY)');
      await database.db.query('CREATE TABLE scope_rows (request text NOT NULL, target text)');
      audited = createAuditedDb(database.db, async (sql, entry) => {
        await sql.query('INSERT INTO scope_rows (request, target) VALUES ($1, $2)', [entry.action, entry.targetId]);
      });
    });

    function newScope(request: string): AuditScope {
      const scope: AuditScope = {
        note: {},
        state: 'open',
        ended: false,
        build: (outcome): AuditEntry => ({
          id: randomUUID(),
          occurredAt: new Date(),
          actorType: 'anonymous',
          actorId: null,
          userId: null,
          organizationId: null,
          action: request,
          targetType: null,
          targetId: scope.note.targetId ?? scope.createdId ?? null,
          outcome,
          httpStatus: 200,
          address: null,
          userAgent: null,
          details: {},
        }),
      };
      return scope;
    }

    async function rowsOf(request: string) {
      const { rows } = await database.db.query<{ target: string | null }>('SELECT target FROM scope_rows WHERE request = $1', [request]);
      return rows.map((row) => row.target);
    }

    const thing = () => `thing-${randomUUID()}`;

    it('puts the row in the first transaction that commits, and no more in later ones', async () => {
      const scope = newScope('two-transactions');
      await runInAuditScope(scope, async () => {
        await audited.transaction((tx) => tx.query('INSERT INTO scope_things (id) VALUES ($1)', [thing()]));
        await audited.transaction((tx) => tx.query('INSERT INTO scope_things (id) VALUES ($1)', [thing()]));
      });
      assert.equal(scope.state, 'written');
      assert.equal((await rowsOf('two-transactions')).length, 1);
    });

    it('gives the row back when its transaction rolls back, so the next one carries it', async () => {
      const scope = newScope('rolled-back-first');
      const first = thing();
      await runInAuditScope(scope, async () => {
        await assert.rejects(
          audited.transaction(async (tx) => {
            await tx.query('INSERT INTO scope_things (id) VALUES ($1)', [first]);
            throw new Error('changed my mind');
          }),
        );
        assert.equal(scope.state, 'open');
        await audited.transaction((tx) => tx.query('INSERT INTO scope_things (id) VALUES ($1)', [thing()]));
      });
      assert.equal((await rowsOf('rolled-back-first')).length, 1);
      assert.equal((await database.db.query('SELECT 1 FROM scope_things WHERE id = $1', [first])).rows.length, 0);
    });

    it('runs a bare mutating statement in a transaction with the row, unless it changed nothing; reads pass through', async () => {
      const scope = newScope('bare');
      await runInAuditScope(scope, async () => {
        await audited.query('SELECT count(*) FROM scope_things');
        await audited.query('DELETE FROM scope_things WHERE id = $1', ['no such thing']);
        assert.equal(scope.state, 'open', 'a read and a DELETE of nothing carry no row');
        await audited.query('WITH added AS (INSERT INTO scope_things (id) VALUES ($1) RETURNING id) SELECT id FROM added', [thing()]);
      });
      assert.equal(scope.state, 'written');
      assert.equal((await rowsOf('bare')).length, 1);
    });

    it('takes the id a creation returns as the target, and what a service notes over it', async () => {
      const created = randomUUID();
      const creation = newScope('creation');
      await runInAuditScope(creation, () =>
        audited.transaction(async (tx) => (await tx.query('INSERT INTO scope_things (id) VALUES ($1)', [created]), created)),
      );
      assert.deepEqual(await rowsOf('creation'), [created]);

      const noted = newScope('noted');
      await runInAuditScope(noted, async () => {
        noteAudit({ targetId: 'noted-target' });
        await audited.query('INSERT INTO scope_things (id) VALUES ($1)', [thing()]);
      });
      assert.deepEqual(await rowsOf('noted'), ['noted-target']);
    });

    it('of concurrent transactions, writes one row', async () => {
      const scope = newScope('concurrent');
      await runInAuditScope(scope, () =>
        Promise.all([1, 2, 3].map(() => audited.transaction((tx) => tx.query('INSERT INTO scope_things (id) VALUES ($1)', [thing()])))),
      );
      assert.equal((await rowsOf('concurrent')).length, 1);
    });

    it('writes nothing outside a scope, or after the answer went out', async () => {
      await audited.transaction((tx) => tx.query('INSERT INTO scope_things (id) VALUES ($1)', [thing()]));
      const ended = newScope('ended');
      ended.ended = true;
      await runInAuditScope(ended, () => audited.query('INSERT INTO scope_things (id) VALUES ($1)', [thing()]));
      const { rows } = await database.db.query<{ request: string }>("SELECT request FROM scope_rows WHERE request = 'ended'");
      assert.deepEqual(rows, []);
    });

    it('fails the change when the row cannot be written', async () => {
      const refusing = createAuditedDb(database.db, async (sql) => {
        await sql.query('INSERT INTO no_such_table VALUES (1)');
      });
      const id = thing();
      await assert.rejects(
        runInAuditScope(newScope('refused'), () => refusing.query('INSERT INTO scope_things (id) VALUES ($1)', [id])),
        /no_such_table/,
      );
      assert.equal((await database.db.query('SELECT 1 FROM scope_things WHERE id = $1', [id])).rows.length, 0);
    });
  });
}
