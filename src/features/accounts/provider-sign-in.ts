import type { Clock } from '../../clock/clock.ts';
import { noteAudit } from '../../db/audit-scope.ts';
import type { Db } from '../../db/db.ts';
import type { Role } from '../../domain/access.ts';
import { ForbiddenError } from '../../errors/errors.ts';
import type { OrganizationsService } from '../organizations/index.ts';
import type { MembersStore } from './members-store.ts';
import { userAccessChanged } from './user-access.ts';
import type { User, UsersStore } from './users-store.ts';

/** A person as an identity provider vouches for them (the email verified there). */
export interface ProvidedIdentity {
  email: string;
  name: string | undefined;
  /** Roles the provider grants, organizations named by id or name; undefined: the provider says nothing of roles. */
  roles: readonly { organization: string; role: Role }[] | undefined;
}

export interface ProviderSignInDeps {
  db: Db;
  clock: Clock;
  users: Pick<UsersStore, 'findByEmail' | 'insert'>;
  members: Pick<MembersStore, 'lockOwners' | 'upsert' | 'rolesOf' | 'delete'>;
  organizations: Pick<OrganizationsService, 'resolve'>;
  /** Called after the memberships' change commits: this node's caches drop the user at once. */
  accessChanged?: (userId: string) => void;
  /** Roles naming organizations that do not exist, or kept to spare a last owner. */
  onSkipped: (userId: string, skipped: { organization: string; reason: string }[]) => void;
}

/**
 * The user a provider's sign-in is for: matched by verified email (any case) or created without
 * a password. When the provider sends roles they are the user's memberships from then on
 * (added, changed, removed), except that an organization's last owner stays its owner;
 * organizations the provider names that do not exist are skipped. A disabled user is refused.
 */
export function createProviderSignIn(deps: ProviderSignInDeps) {
  const { db, clock } = deps;
  return async function userFor(identity: ProvidedIdentity): Promise<User> {
    const wanted = new Map<string, Role>();
    const skipped: { organization: string; reason: string }[] = [];
    for (const { organization, role } of identity.roles ?? []) {
      const found = await deps.organizations.resolve(organization);
      if (found) wanted.set(found.id, role);
      else skipped.push({ organization, reason: 'no such organization' });
    }
    const user = await db.transaction(async (tx) => {
      const now = clock.now();
      const existing = await deps.users.findByEmail(identity.email, tx);
      const name = identity.name?.trim() || identity.email.split('@')[0]!;
      const user = existing ?? (await deps.users.insert(tx, { email: identity.email, name, passwordHash: null, globalAdmin: false }, now));
      // Created by a concurrent sign-in of the same person: theirs stands.
      if (!user) throw new ForbiddenError('this account is being created by another sign-in: try again');
      if (user.disabledAt) throw new ForbiddenError('this account is disabled');
      // This transaction carries the sign-in's audit row: its actor is the user signing in.
      noteAudit({ actor: { type: 'user', id: user.id, userId: user.id }, targetType: 'user', targetId: user.id });
      if (identity.roles === undefined) return user;

      const owners = await deps.members.lockOwners(tx, { ownedBy: user.id });
      const lastOwnerOf = (organizationId: string) =>
        owners.some((owner) => owner.organizationId === organizationId && owner.userId === user.id) &&
        !owners.some((owner) => owner.organizationId === organizationId && owner.userId !== user.id);
      const current = await deps.members.rolesOf(tx, user.id);
      for (const [organizationId, role] of current) {
        if (wanted.get(organizationId) === role) continue;
        if (role === 'owner' && lastOwnerOf(organizationId)) {
          skipped.push({ organization: organizationId, reason: 'the last owner stays owner' });
          continue;
        }
        if (!wanted.has(organizationId)) await deps.members.delete(tx, organizationId, user.id);
      }
      for (const [organizationId, role] of wanted) {
        if (current.get(organizationId) === 'owner' && role !== 'owner' && lastOwnerOf(organizationId)) continue;
        await deps.members.upsert(tx, organizationId, user.id, role, now);
      }
      await userAccessChanged(tx, user.id);
      return user;
    });
    deps.accessChanged?.(user.id);
    if (skipped.length > 0) deps.onSkipped(user.id, skipped);
    return user;
  };
}
