import type { Clock } from '../../clock/clock.ts';
import { isForeignKeyViolation } from '../../db/database-errors.ts';
import type { Db } from '../../db/db.ts';
import { NotFoundError } from '../../errors/errors.ts';
import type { Page } from '../../http/pagination.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import type { Member, MemberFilter, MembersStore, Role } from './members-store.ts';
import { assertAnotherOwnerRemains } from './owners.ts';
import { userAccessChanged } from './user-access.ts';
import type { UsersStore } from './users-store.ts';

export interface MembersServiceDeps {
  db: Db;
  clock: Clock;
  members: MembersStore;
  users: Pick<UsersStore, 'findById'>;
  organizations: Pick<OrganizationsService, 'find'>;
}

export interface MembersService {
  list(organizationId: string, filter: MemberFilter): Promise<Page<Member>>;
  /** Makes the user a member with `role`, or changes their role; `created` tells which. */
  put(organizationId: string, userId: string, role: Role): Promise<{ member: Member; created: boolean }>;
  remove(organizationId: string, userId: string): Promise<void>;
}

/** Who belongs to which organization, in which role; an organization never loses its last owner. */
export function createMembersService(deps: MembersServiceDeps): MembersService {
  const { db, clock, members } = deps;

  async function assertOrganization(organizationId: string): Promise<void> {
    if (!(await deps.organizations.find(organizationId))) throw new NotFoundError(`organization ${organizationId} not found`);
  }

  const notMember = (organizationId: string, userId: string) => new NotFoundError(`user ${userId} is not a member of organization ${organizationId}`);

  return {
    async list(organizationId: string, filter: MemberFilter): Promise<Page<Member>> {
      await assertOrganization(organizationId);
      return members.list(organizationId, filter);
    },

    async put(organizationId: string, userId: string, role: Role) {
      await assertOrganization(organizationId);
      if (!(await deps.users.findById(userId))) throw new NotFoundError(`user ${userId} not found`);
      return db.transaction(async (tx) => {
        const owners = await members.lockOwners(tx, { organizationId });
        if (role !== 'owner') assertAnotherOwnerRemains(owners, userId);
        const existing = await members.find(organizationId, userId, tx);
        try {
          await members.upsert(tx, organizationId, userId, role, clock.now());
        } catch (error) {
          // The user or the organization was deleted since it was looked up.
          if (isForeignKeyViolation(error)) throw new NotFoundError(`user ${userId} or organization ${organizationId} not found`);
          throw error;
        }
        const member = await members.find(organizationId, userId, tx);
        if (!member) throw notMember(organizationId, userId);
        await userAccessChanged(tx, userId);
        return { member, created: existing === null };
      });
    },

    async remove(organizationId: string, userId: string): Promise<void> {
      await assertOrganization(organizationId);
      await db.transaction(async (tx) => {
        assertAnotherOwnerRemains(await members.lockOwners(tx, { organizationId }), userId);
        if (!(await members.delete(tx, organizationId, userId))) throw notMember(organizationId, userId);
        await userAccessChanged(tx, userId);
      });
    },
  };
}
