import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock/clock.ts';
import { isUniqueViolation } from '../../db/database-errors.ts';
import type { Db } from '../../db/db.ts';
import { ConflictError, GoneError, NotFoundError } from '../../errors/errors.ts';
import type { Page } from '../../http/pagination.ts';
import type { Invitation, InvitationsStore } from './invitations-store.ts';
import { invitationTokenHash, newInvitationToken } from './invitation-tokens.ts';
import type { MembersStore } from './members-store.ts';
import { assertAnotherOwnerRemains } from './owners.ts';
import type { PasswordHasher } from './passwords.ts';
import type { User, UserChange, UserFilter, UsersStore } from './users-store.ts';
import { userAccessChanged } from './user-access.ts';

export interface UsersServiceDeps {
  db: Db;
  clock: Clock;
  users: UsersStore;
  members: MembersStore;
  invitations: InvitationsStore;
  passwords: PasswordHasher;
  invitationTtlHours: number;
  /** Called after a change of the user's roles or state commits: this node's caches drop it at once. */
  accessChanged?: (userId: string) => void;
}

export interface UserInput {
  email: string;
  name: string;
  /** Without one, the user gets an invitation to set it. */
  password?: string | undefined;
  globalAdmin?: boolean | undefined;
}

export interface UserUpdate {
  email?: string | undefined;
  name?: string | undefined;
  password?: string | undefined;
  globalAdmin?: boolean | undefined;
  disabled?: boolean | undefined;
}

/** An invitation as its creator sees it, once: the token is not kept. */
export interface IssuedInvitation {
  token: string;
  expiresAt: Date;
}

export interface UsersService {
  get(id: string): Promise<User>;
  list(filter: UserFilter): Promise<Page<User>>;
  create(input: UserInput): Promise<{ user: User; invitation: IssuedInvitation | null }>;
  update(id: string, change: UserUpdate): Promise<User>;
  /** Deletes the user and their memberships; refused (409) for an organization's last owner. */
  delete(id: string): Promise<void>;
  /** Sets the invited user's password, once; unknown and used tokens get the same 410. */
  acceptInvitation(token: string, password: string): Promise<User>;
  /**
   * The user whose email (any case) and password these are, or null: for an unknown email, a
   * user without a password, a disabled user and a wrong password alike, after the same work
   * (one argon2id verification), so neither the answer nor its time tells them apart.
   */
  verifyCredentials(email: string, password: string): Promise<User | null>;
}

export function createUsersService(deps: UsersServiceDeps): UsersService {
  const { db, clock, users, members, invitations, passwords } = deps;

  async function get(id: string): Promise<User> {
    const user = await users.findById(id);
    if (!user) throw new NotFoundError(`user ${id} not found`);
    return user;
  }

  // What unknown emails and users without a password are checked against, so they cost a
  // verification too; hashed at once, so that not even the first such sign-in takes longer.
  const dummyHash = passwords.hash(randomBytes(192).toString('base64url'));
  dummyHash.catch(() => {}); // awaited (and its failure seen) at the first unknown email

  const emailConflict = (email: string) => new ConflictError(`a user with the email '${email}' already exists`);

  return {
    get,

    list(filter: UserFilter): Promise<Page<User>> {
      return users.list(filter);
    },

    async create(input: UserInput) {
      if (await users.emailTaken(input.email)) throw emailConflict(input.email);
      const passwordHash = input.password === undefined ? null : await passwords.hash(input.password);
      const invitation = passwordHash === null ? newInvitationToken() : null;
      return db.transaction(async (tx) => {
        const now = clock.now();
        const user = await users.insert(tx, { email: input.email, name: input.name, passwordHash, globalAdmin: input.globalAdmin ?? false }, now);
        // Lost a race with a concurrent create of the same email.
        if (!user) throw emailConflict(input.email);
        if (!invitation) return { user, invitation: null };
        const expiresAt = new Date(now.getTime() + deps.invitationTtlHours * 3_600_000);
        await invitations.insert(tx, { tokenHash: invitation.tokenHash, userId: user.id, expiresAt }, now);
        return { user, invitation: { token: invitation.token, expiresAt } };
      });
    },

    async update(id: string, update: UserUpdate): Promise<User> {
      await get(id);
      if (update.email !== undefined && (await users.emailTaken(update.email, id))) throw emailConflict(update.email);
      const change: UserChange = {
        email: update.email,
        name: update.name,
        globalAdmin: update.globalAdmin,
        passwordHash: update.password === undefined ? undefined : await passwords.hash(update.password),
        disabledAt: update.disabled === undefined ? undefined : update.disabled ? clock.now() : null,
      };
      try {
        await db.transaction(async (tx) => {
          const now = clock.now();
          if (!(await users.update(tx, id, change, now))) throw new NotFoundError(`user ${id} not found`);
          await userAccessChanged(tx, id);
          // A password set by an administrator ends the invitations still open.
          if (change.passwordHash !== undefined) await invitations.closeAll(tx, id, now);
        });
        deps.accessChanged?.(id);
      } catch (error) {
        if (update.email !== undefined && isUniqueViolation(error)) throw emailConflict(update.email);
        throw error;
      }
      return get(id);
    },

    async delete(id: string): Promise<void> {
      await db.transaction(async (tx) => {
        assertAnotherOwnerRemains(await members.lockOwners(tx, { ownedBy: id }), id);
        if (!(await users.delete(tx, id))) throw new NotFoundError(`user ${id} not found`);
        await userAccessChanged(tx, id);
      });
      deps.accessChanged?.(id);
    },

    async verifyCredentials(email: string, password: string): Promise<User | null> {
      const found = await users.findSignIn(email);
      const passwordHash = found?.passwordHash ?? (await dummyHash);
      const matches = await passwords.verify(passwordHash, password);
      if (!found || found.passwordHash === null || found.disabled || !matches) return null;
      return users.findById(found.id);
    },

    async acceptInvitation(token: string, password: string): Promise<User> {
      const tokenHash = invitationTokenHash(token);
      const refusal = (invitation: Invitation | null) =>
        invitation && !invitation.usedAt && invitation.expiresAt <= clock.now()
          ? new GoneError('this invitation has expired: ask for a new one')
          : new GoneError('this invitation is not valid (unknown or already used)');
      const invitation = await invitations.findByTokenHash(tokenHash);
      if (!invitation || invitation.usedAt || invitation.expiresAt <= clock.now()) throw refusal(invitation);
      const passwordHash = await passwords.hash(password);
      const userId = await db.transaction(async (tx) => {
        const now = clock.now();
        // Consumed in the transaction that sets the password: of two concurrent accepts, one wins.
        const consumedBy = await invitations.consume(tx, tokenHash, now);
        if (!consumedBy) return null;
        await users.update(tx, consumedBy, { passwordHash }, now);
        await invitations.closeAll(tx, consumedBy, now);
        return consumedBy;
      });
      if (!userId) throw refusal(await invitations.findByTokenHash(tokenHash));
      return get(userId);
    },
  };
}
