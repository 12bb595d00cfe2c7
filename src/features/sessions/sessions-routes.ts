import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Principal } from '../../domain/access.ts';
import { NotFoundError } from '../../errors/errors.ts';
import { access } from '../../http/access-control.ts';
import { listQuerySchema, pageSchema, presentPage } from '../../http/pagination.ts';
import { errorResponses, Uuid } from '../../http/schemas.ts';
import { assertSameOrigin } from './same-origin.ts';
import { clearSessionCookie, setSessionCookie, signInOrigin, type CookieSettings } from './session-cookie.ts';
import { csrfTokenOf, SESSION_COOKIE } from './session-token.ts';
import type { SessionsService, SignedIn } from './sessions-service.ts';
import type { Session } from './sessions-store.ts';

const SignedInSchema = Type.Object(
  {
    user: Type.Object(
      { id: Type.String({ format: 'uuid' }), email: Type.String(), name: Type.String(), global_admin: Type.Boolean() },
      { additionalProperties: false },
    ),
    memberships: Type.Array(
      Type.Object(
        { organization_id: Type.String({ format: 'uuid' }), role: Type.Enum(['owner', 'admin', 'operator', 'viewer']) },
        { additionalProperties: false },
      ),
    ),
    csrf_token: Type.Union([Type.String(), Type.Null()], {
      description: 'Send it as X-CSRF-Token with every change made with the session cookie; null for a personal token',
    }),
  },
  { additionalProperties: false },
);
const SessionSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    created_at: Type.String({ format: 'date-time' }),
    last_seen_at: Type.String({ format: 'date-time', description: 'Written at most once a minute' }),
    expires_at: Type.String({ format: 'date-time', description: 'The absolute end (SESSION_MAX_AGE_HOURS); it ends sooner when idle' }),
    address: Type.Union([Type.String(), Type.Null()]),
    user_agent: Type.Union([Type.String(), Type.Null()]),
    current: Type.Boolean({ description: 'Whether this request came with it' }),
  },
  { additionalProperties: false },
);

function presentSignedIn(signedIn: SignedIn, csrfToken: string | null) {
  return {
    user: { id: signedIn.user.id, email: signedIn.user.email, name: signedIn.user.name, global_admin: signedIn.user.globalAdmin },
    memberships: signedIn.memberships.map((membership) => ({ organization_id: membership.organizationId, role: membership.role })),
    csrf_token: csrfToken,
  };
}

function presentSession(session: Session, currentId: string | undefined) {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    address: session.address,
    user_agent: session.userAgent,
    current: session.id === currentId,
  };
}

/** The session this request came with, if it came with one. */
function currentSessionId(principal: Principal): string | undefined {
  return principal.kind === 'user' && principal.credential.kind === 'session' ? principal.credential.id : undefined;
}

export function sessionsRoutes(service: SessionsService, cookie: CookieSettings): FastifyPluginAsyncTypebox {
  return async (app) => {
    const tags = ['session'];

    app.post(
      '/session',
      {
        config: access.public(),
        schema: {
          tags,
          summary: 'Sign in with email and password: sets the session cookie (HttpOnly, SameSite=Strict)',
          description:
            'Failed sign-ins are limited per account and per client address (429 with Retry-After); an unknown email, a wrong password and a disabled account get the same 401.',
          body: Type.Object(
            { email: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 4096 }) },
            { additionalProperties: false },
          ),
          response: { 201: SignedInSchema, ...errorResponses(400, 401, 403, 429) },
        },
      },
      async (request, reply) => {
        // No session yet to carry a CSRF token: a browser's cross-site sign-in is refused by its Origin.
        assertSameOrigin(request, false);
        const signedIn = await service.signIn(request.body.email, request.body.password, signInOrigin(request));
        setSessionCookie(cookie, request, reply, signedIn.token);
        return reply.code(201).send(presentSignedIn(signedIn, signedIn.csrfToken));
      },
    );

    app.get(
      '/session',
      {
        config: access.signedIn(),
        schema: {
          tags,
          summary: 'Who am I: the signed-in user, their organizations and roles, and the CSRF token',
          description: "With a personal token: the token's user, without a CSRF token. ADMIN_TOKEN and API keys have no user: 404.",
          response: { 200: SignedInSchema, ...errorResponses(404) },
        },
      },
      async (request) => {
        const principal = request.principal;
        if (principal.kind !== 'user') throw new NotFoundError("no user is signed in: this credential is not a user's");
        const token = currentSessionId(principal) === undefined ? undefined : request.server.parseCookie(request.headers.cookie ?? '')[SESSION_COOKIE];
        return presentSignedIn(await service.whoIs(principal.userId), token === undefined ? null : csrfTokenOf(token));
      },
    );

    app.delete(
      '/session',
      {
        config: access.user(),
        schema: {
          tags,
          summary: 'Sign out: revokes this session on every node and clears the cookie',
          response: { 204: Type.Null(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const principal = request.principal;
        const sessionId = currentSessionId(principal);
        if (principal.kind !== 'user' || sessionId === undefined) throw new NotFoundError('this request came with no session');
        await service.revoke(principal.userId, sessionId);
        clearSessionCookie(cookie, request, reply);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/sessions',
      {
        config: access.user(),
        schema: {
          tags,
          summary: 'My sessions that have not ended (the current one flagged)',
          querystring: listQuerySchema(['created_at', 'last_seen_at'] as const, 'created_at', {}),
          response: { 200: pageSchema(SessionSchema) },
        },
      },
      async (request) => {
        const principal = request.principal;
        const { page, page_size, sort, order } = request.query;
        if (principal.kind !== 'user') throw new NotFoundError("no sessions: this credential is not a user's"); // access.user() let none through
        const sessions = await service.list(principal.userId, { page, pageSize: page_size, sort, order });
        const currentId = currentSessionId(principal);
        return presentPage(sessions, (session) => presentSession(session, currentId));
      },
    );

    app.delete(
      '/sessions/:id',
      {
        config: access.user(),
        schema: {
          tags,
          summary: 'Revoke one of my sessions, on every node at once',
          params: Type.Object({ id: Uuid }),
          response: { 204: Type.Null(), ...errorResponses(400, 404) },
        },
      },
      async (request, reply) => {
        const principal = request.principal;
        if (principal.kind !== 'user') throw new NotFoundError(`session ${request.params.id} not found`);
        await service.revoke(principal.userId, request.params.id);
        if (request.params.id === currentSessionId(principal)) clearSessionCookie(cookie, request, reply);
        return reply.code(204).send(null);
      },
    );
  };
}
