import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/db.ts';

/** A dialect's component as Muster keeps it: its system, and whether that system is suspended. */
export interface PeerSystem {
  id: string;
  suspended: boolean;
}

export interface NewPeerSystem {
  externalId: string;
  systemKey: string;
}

export interface PeerSystemsStore {
  /** Locks the organization for creating peer systems in it; false when it does not exist. */
  lockOrganization(tx: Sql, organizationId: string): Promise<boolean>;
  /** The live (not deleted) systems of these components, by external id. */
  findLive(runner: Sql, organizationId: string, source: string, externalIds: readonly string[]): Promise<Map<string, PeerSystem>>;
  countLive(tx: Sql, organizationId: string, source: string): Promise<number>;
  /**
   * Creates registered systems for the components, named by their external id, with
   * credentials no appliance can present (no secret was ever made for them).
   */
  insert(tx: Sql, organizationId: string, source: string, type: string, systems: readonly NewPeerSystem[], now: Date): Promise<Map<string, PeerSystem>>;
  /** Refreshes the planner's statistics of the tables a creation grows. */
  analyze(runner: Sql): Promise<void>;
}

export function createPeerSystemsStore(): PeerSystemsStore {
  return {
    async lockOrganization(tx, organizationId) {
      const { rows } = await tx.query('SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', [organizationId]);
      return rows.length > 0;
    },

    async findLive(runner, organizationId, source, externalIds) {
      const { rows } = await runner.query<{ id: string; external_id: string; suspended: boolean }>(
        `SELECT id, external_id, suspended_at IS NOT NULL AS suspended FROM systems
         WHERE organization_id = $1 AND source = $2 AND external_id = ANY($3::text[]) AND deleted_at IS NULL`,
        [organizationId, source, externalIds],
      );
      return new Map(rows.map((row) => [row.external_id, { id: row.id, suspended: row.suspended }]));
    },

    async countLive(tx, organizationId, source) {
      const { rows } = await tx.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM systems WHERE organization_id = $1 AND source = $2 AND deleted_at IS NULL',
        [organizationId, source],
      );
      return rows[0]!.count;
    },

    async insert(tx, organizationId, source, type, systems, now) {
      if (systems.length === 0) return new Map();
      const ids = systems.map(() => randomUUID());
      // The secret columns hold values no presented secret matches: `peer_…` is no public part an
      // appliance secret can have, and an empty hash equals no HMAC.
      await tx.query(
        `INSERT INTO systems (id, organization_id, name, type, source, external_id, system_key, secret_public, secret_salt, secret_hash,
                              registered_at, created_at, updated_at)
         SELECT id, $1, external_id, $2, $3, external_id, system_key, 'peer_' || id, '', '', $4, $4, $4
         FROM unnest($5::uuid[], $6::text[], $7::text[]) AS n (id, external_id, system_key)`,
        [organizationId, type, source, now, ids, systems.map((system) => system.externalId), systems.map((system) => system.systemKey)],
      );
      await tx.query('INSERT INTO system_liveness (system_id) SELECT unnest($1::uuid[])', [ids]);
      return new Map(systems.map((system, index) => [system.externalId, { id: ids[index]!, suspended: false }]));
    },

    async analyze(runner) {
      await runner.query('ANALYZE systems, system_liveness');
    },
  };
}
