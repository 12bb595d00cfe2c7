import type { Logger } from 'pino';
import type { Clock } from '../../clock/clock.ts';
import type { FeatureMount } from '../../composition/feature.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/db.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import { createInvitationsStore } from './invitations-store.ts';
import { membersRoutes } from './members-routes.ts';
import { createMembersService } from './members-service.ts';
import { createMembersStore } from './members-store.ts';
import { createPasswordHasher } from './passwords.ts';
import { createProviderSignIn } from './provider-sign-in.ts';
import { createUserAccessReader } from './user-access.ts';
import { usersRoutes } from './users-routes.ts';
import { createUsersService } from './users-service.ts';
import { createUsersStore } from './users-store.ts';

export interface AccountsDeps {
  db: Db;
  clock: Clock;
  config: Pick<Config, 'passwordMinLength' | 'invitationTtlHours'>;
  organizations: Pick<OrganizationsService, 'find' | 'resolve'>;
  logger: Logger;
}

// Changes reach every node by notification; the lifetime bounds what a lost notification link could keep.
const USER_ACCESS_CACHE_SIZE = 100_000;
const USER_ACCESS_CACHE_TTL_SECONDS = 600;

/** Operators' accounts: users, their invitations, and their roles in organizations. */
export function createAccounts(deps: AccountsDeps) {
  const { db, clock } = deps;
  const users = createUsersStore(db);
  const members = createMembersStore(db);
  const invitations = createInvitationsStore(db);
  const access = createUserAccessReader(db, { cacheSize: USER_ACCESS_CACHE_SIZE, cacheTtlSeconds: USER_ACCESS_CACHE_TTL_SECONDS });
  // This node drops a changed user at once, after the commit; the others when the notification arrives.
  const accessChanged = (userId: string) => access.invalidate(userId);
  const usersService = createUsersService({
    db,
    clock,
    users,
    members,
    invitations,
    passwords: createPasswordHasher(deps.config.passwordMinLength),
    invitationTtlHours: deps.config.invitationTtlHours,
    accessChanged,
  });
  const membersService = createMembersService({
    db,
    clock,
    members,
    users,
    invitations,
    organizations: deps.organizations,
    invitationTtlHours: deps.config.invitationTtlHours,
    accessChanged,
  });
  return {
    users: usersService,
    members: membersService,
    /** The user a single sign-on is for, matched or created by verified email, with the provider's roles. */
    userForProvider: createProviderSignIn({
      db,
      clock,
      users,
      members,
      organizations: deps.organizations,
      accessChanged,
      onSkipped: (userId, skipped) => deps.logger.warn({ userId, skipped }, 'single sign-on: some roles the provider sent were not applied'),
    }),
    /** Users' roles and state, cached and dropped on every node when they change: for verifying sessions and tokens. */
    access,
    mount: {
      start: () => access.listen(),
      managementRoutes: [usersRoutes(usersService), membersRoutes(membersService)],
    } satisfies FeatureMount,
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
