import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/db.ts';

/**
 * A new organization with `count` registered systems (and their liveness rows, status unknown),
 * written straight to the database: for tests that need many systems in a given state quickly.
 */
export async function insertSystems(db: Db, count: number, at: Date): Promise<{ organizationId: string; ids: string[] }> {
  const organizationId = randomUUID();
  const ids = Array.from({ length: count }, () => randomUUID());
  await db.query('INSERT INTO organizations (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)', [organizationId, `seeded-${organizationId}`, at]);
  await db.query(
    `INSERT INTO systems (id, organization_id, name, type, system_key, secret_public, secret_salt, secret_hash, registered_at, created_at, updated_at)
     SELECT id, $1, 'node-' || id, 'node', 'key-' || id, 'peer_' || id, '', '', $2, $2, $2 FROM unnest($3::uuid[]) AS ids (id)`,
    [organizationId, at, ids],
  );
  await db.query('INSERT INTO system_liveness (system_id) SELECT unnest($1::uuid[])', [ids]);
  return { organizationId, ids };
}
