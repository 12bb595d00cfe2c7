import { notify, type Db, type Sql } from '../../db/db.ts';
import { createInvalidatedCache } from '../../db/invalidated-cache.ts';
import type { Principal, Role } from '../../domain/access.ts';
import { ServiceUnavailableError } from '../../errors/errors.ts';

/** What a signed-in user may do: read on every request of theirs, so cached. */
export interface UserAccess {
  userId: string;
  email: string;
  globalAdmin: boolean;
  disabled: boolean;
  /** Organization id → role. */
  roles: ReadonlyMap<string, Role>;
}

export const USER_ACCESS_CHANNEL = 'muster_user_access';

/** Tells every node (at commit) that `userId`'s roles, flag or state changed. */
export function userAccessChanged(tx: Sql, userId: string): Promise<void> {
  return notify(tx, USER_ACCESS_CHANNEL, userId);
}

export interface UserAccessReader {
  /** The user's access, or undefined when there is no such user. */
  get(userId: string): Promise<UserAccess | undefined>;
  /**
   * The principal of a user who signed in with `credential`: undefined for a user deleted or
   * disabled since; a 503 when the database cannot be read.
   */
  principalOf(userId: string, credential: Extract<Principal, { kind: 'user' }>['credential']): Promise<Principal | undefined>;
  invalidate(userId: string): void;
  /** Subscribes to changes from every node; call once at start-up. */
  listen(): Promise<void>;
}

/**
 * Users' global flag, state and roles, cached per user and dropped on every node when the
 * accounts feature changes them (NOTIFY on USER_ACCESS_CHANNEL in the changing transaction):
 * a role taken away or a user disabled stops counting at once everywhere.
 */
export function createUserAccessReader(db: Db, options: { cacheSize: number; cacheTtlSeconds: number }): UserAccessReader {
  const cache = createInvalidatedCache<UserAccess>({ size: options.cacheSize, ttlSeconds: options.cacheTtlSeconds, ownerOf: (access) => access.userId });

  async function read(userId: string): Promise<UserAccess | undefined> {
    const { rows } = await db.query<{ id: string; email: string; global_admin: boolean; disabled: boolean; roles: [string, Role][] | null }>(
      `SELECT u.id, u.email, u.global_admin, u.disabled_at IS NOT NULL AS disabled,
              (SELECT json_agg(json_build_array(m.organization_id, m.role)) FROM organization_members m WHERE m.user_id = u.id) AS roles
       FROM users u WHERE u.id = $1`,
      [userId],
      { prepareAs: 'user_access' },
    );
    const row = rows[0];
    if (!row) return undefined;
    return { userId: row.id, email: row.email, globalAdmin: row.global_admin, disabled: row.disabled, roles: new Map(row.roles ?? []) };
  }

  async function get(userId: string): Promise<UserAccess | undefined> {
    const hit = cache.get(userId);
    if (hit) return hit;
    const generation = cache.generation;
    const access = await read(userId);
    if (access) cache.fill(userId, access, generation);
    return access;
  }

  return {
    get,
    async principalOf(userId, credential) {
      let user;
      try {
        user = await get(userId);
      } catch {
        throw new ServiceUnavailableError('authentication temporarily unavailable');
      }
      if (!user || user.disabled) return undefined;
      return { kind: 'user', userId: user.userId, email: user.email, globalAdmin: user.globalAdmin, roles: user.roles, credential };
    },
    invalidate: cache.invalidate,
    listen: () => cache.listen(db, USER_ACCESS_CHANNEL),
  };
}
