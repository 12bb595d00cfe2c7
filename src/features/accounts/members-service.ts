import type { Clock } from '../../clock/clock.ts';
import { noteAudit } from '../../db/audit-scope.ts';
import { isForeignKeyViolation } from '../../db/database-errors.ts';
import type { Db } from '../../db/db.ts';
import { ConflictError, NotFoundError } from '../../errors/errors.ts';
import type { Page } from '../../http/pagination.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import type { Member, MemberFilter, MembersStore, Role } from './members-store.ts';
import { assertAnotherOwnerRemains } from './owners.ts';
import { userAccessChanged } from './user-access.ts';
import type { InvitationsStore } from './invitations-store.ts';
import { newInvitationToken } from './invitation-tokens.ts';
import type { User, UsersStore } from './users-store.ts';

export interface MembersServiceDeps {
  db: Db;
  clock: Clock;
  members: MembersStore;
  users: Pick<UsersStore, 'findById' | 'findByEmail' | 'insert'>;
  invitations: Pick<InvitationsStore, 'insert'>;
  organizations: Pick<OrganizationsService, 'find'>;
  invitationTtlHours: number;
  /** Called after a change of the user's roles or state commits: this node's caches drop it at once. */
  accessChanged?: (userId: string) => void;
}

export interface Invited {
  user: User;
  role: Role;
  /** Shown once: for a new user, or one who never set a password (a fresh invitation); null for a user who can sign in. */
  invitation: { token: string; expiresAt: Date } | null;
}

export interface MembersService {
  list(organizationId: string, filter: MemberFilter): Promise<Page<Member>>;
  /** Makes the user a member with `role`, or changes their role; `created` tells which. */
  put(organizationId: string, userId: string, role: Role): Promise<{ member: Member; created: boolean }>;
  remove(organizationId: string, userId: string): Promise<void>;
  /**
   * Brings the person with `email` into the organization with `role`, in one transaction: a new
   * user (and an invitation to set a password) when there is none, an existing one added (or
   * their role changed; not the last owner's) otherwise, with a fresh invitation when they never
   * set a password (so an expired invitation can be replaced).
   */
  invite(organizationId: string, input: { email: string; name?: string | undefined; role: Role }): Promise<Invited>;
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
      const changed = await db.transaction(async (tx) => {
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
      deps.accessChanged?.(userId);
      return changed;
    },

    async invite(organizationId, input) {
      await assertOrganization(organizationId);
      const invited = await db.transaction(async (tx) => {
        const now = clock.now();
        const owners = await members.lockOwners(tx, { organizationId });
        let user = await deps.users.findByEmail(input.email, tx);
        if (user && input.role !== 'owner') assertAnotherOwnerRemains(owners, user.id);
        user ??= await deps.users.insert(
          tx,
          { email: input.email, name: input.name ?? input.email.split('@')[0]!, passwordHash: null, globalAdmin: false },
          now,
        );
        // Created concurrently by another request: the transaction is retried by the caller.
        if (!user) throw new ConflictError(`a user with the email '${input.email}' was just created: try again`);
        let invitation: Invited['invitation'] = null;
        if (!user.passwordSet) {
          const issued = newInvitationToken();
          const expiresAt = new Date(now.getTime() + deps.invitationTtlHours * 3_600_000);
          await deps.invitations.insert(tx, { tokenHash: issued.tokenHash, userId: user.id, expiresAt }, now);
          invitation = { token: issued.token, expiresAt };
        }
        await members.upsert(tx, organizationId, user.id, input.role, now);
        await userAccessChanged(tx, user.id);
        noteAudit({ targetType: 'user', targetId: user.id });
        return { user, role: input.role, invitation };
      });
      deps.accessChanged?.(invited.user.id);
      return invited;
    },

    async remove(organizationId: string, userId: string): Promise<void> {
      await assertOrganization(organizationId);
      await db.transaction(async (tx) => {
        assertAnotherOwnerRemains(await members.lockOwners(tx, { organizationId }), userId);
        if (!(await members.delete(tx, organizationId, userId))) throw notMember(organizationId, userId);
        await userAccessChanged(tx, userId);
      });
      deps.accessChanged?.(userId);
    },
  };
}
