import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock/clock.ts';
import { noteAudit } from '../../db/audit-scope.ts';
import { notify, type Db } from '../../db/db.ts';
import type { Role } from '../../domain/access.ts';
import { NotFoundError, UnauthorizedError } from '../../errors/errors.ts';
import type { Page } from '../../http/pagination.ts';
import type { User, UserAccessReader, UsersService } from '../accounts/index.ts';
import { SESSION_INVALIDATION_CHANNEL } from './session-authenticator.ts';
import { csrfTokenOf, hashSessionToken, newSessionToken } from './session-token.ts';
import type { Session, SessionFilter, SessionsStore } from './sessions-store.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';

export interface SessionsServiceDeps {
  db: Db;
  clock: Clock;
  store: SessionsStore;
  limiter: SignInLimiter;
  users: Pick<UsersService, 'verifyCredentials' | 'get'>;
  access: Pick<UserAccessReader, 'get'>;
  idleTimeoutMinutes: number;
  maxAgeHours: number;
  /** Drops a revoked session from this node's cache without waiting for the notification to come back. */
  invalidate: (sessionId: string) => void;
}

/** Who is signed in: the answer of sign-in and of `GET /session`. */
export interface SignedIn {
  user: User;
  memberships: { organizationId: string; role: Role }[];
}

/** Where a sign-in came from, as the session list shows it. */
export interface SignInOrigin {
  address: string;
  userAgent: string | undefined;
}

export interface SessionsService {
  /**
   * Checks the credentials (after the sign-in limiter) and opens a session; `token` is the
   * cookie's value, known to nobody else. Every refusal of the credentials is the same 401.
   */
  signIn(
    email: string,
    password: string,
    from: { address: string; userAgent: string | undefined },
  ): Promise<SignedIn & { session: Session; token: string; csrfToken: string }>;
  /** Opens a session for a user already verified some other way (single sign-on). */
  open(userId: string, from: SignInOrigin): Promise<SignedIn & { session: Session; token: string; csrfToken: string }>;
  whoIs(userId: string): Promise<SignedIn>;
  list(userId: string, filter: SessionFilter): Promise<Page<Session>>;
  /** Revokes one of the user's sessions, on every node at once; 404 for any other. */
  revoke(userId: string, sessionId: string): Promise<void>;
  /** Deletes the rows of sessions that ended more than ENDED_SESSIONS_KEPT_DAYS ago; how many. */
  pruneEnded(): Promise<number>;
}

/** How long the row of an ended session is kept, for its user's and an investigator's sake. */
export const ENDED_SESSIONS_KEPT_DAYS = 30;

const USER_AGENT_MAX = 512;

export function createSessionsService(deps: SessionsServiceDeps): SessionsService {
  const { db, clock, store } = deps;

  async function whoIs(userId: string): Promise<SignedIn> {
    const [user, access] = await Promise.all([deps.users.get(userId), deps.access.get(userId)]);
    const memberships = [...(access?.roles ?? [])].map(([organizationId, role]) => ({ organizationId, role }));
    memberships.sort((a, b) => a.organizationId.localeCompare(b.organizationId));
    return { user, memberships };
  }

  async function open(userId: string, from: SignInOrigin) {
    const now = clock.now();
    const token = newSessionToken();
    const id = randomUUID();
    // The sign-in's audit row goes in with the session: its actor is the user now signed in.
    noteAudit({ actor: { type: 'user', id: userId, userId }, targetType: 'session', targetId: id });
    const session = await store.insert({
      id,
      userId,
      tokenHash: hashSessionToken(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + deps.maxAgeHours * 3_600_000),
      address: from.address,
      userAgent: from.userAgent?.slice(0, USER_AGENT_MAX) ?? null,
    });
    return { ...(await whoIs(userId)), session, token, csrfToken: csrfTokenOf(token) };
  }

  return {
    async signIn(email, password, from) {
      const attempt = await deps.limiter.admit(email, from.address);
      const user = await deps.users.verifyCredentials(email, password);
      if (!user) throw new UnauthorizedError('wrong email or password');
      await attempt.succeeded();
      return open(user.id, from);
    },

    open,

    whoIs,

    list(userId, filter) {
      const now = clock.now();
      return store.listActive(userId, now, new Date(now.getTime() - deps.idleTimeoutMinutes * 60_000), filter);
    },

    async revoke(userId, sessionId) {
      await db.transaction(async (tx) => {
        if (!(await store.revoke(tx, userId, sessionId, clock.now()))) throw new NotFoundError(`session ${sessionId} not found`);
        await notify(tx, SESSION_INVALIDATION_CHANNEL, sessionId);
      });
      deps.invalidate(sessionId);
    },

    pruneEnded() {
      const before = new Date(clock.now().getTime() - ENDED_SESSIONS_KEPT_DAYS * 86_400_000);
      return store.deleteEnded(before, deps.idleTimeoutMinutes * 60_000);
    },
  };
}
