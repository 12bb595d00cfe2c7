import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { NotFoundError } from '../../errors/errors.ts';
import { access } from '../../http/access-control.ts';
import { errorResponses } from '../../http/schemas.ts';
import { readStateCookie } from './sign-in-state.ts';
import type { SsoIdentity } from './sso-identity.ts';
import { CALLBACK_PATH, SSO_PATH, START_PATH } from './sso-paths.ts';
import type { RequestOrigin, SsoService } from './sso-service.ts';

/**
 * Finishes a verified sign-in: finds or creates the user, opens the session (sets its cookie).
 * It may answer itself (e.g. 403 for a disabled user); when it does not, the person is sent on
 * to where the sign-in started.
 */
export type CompleteSignIn = (identity: SsoIdentity, request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export interface ProviderInfo {
  enabled: boolean;
  /** Where the dashboard's "Sign in with SSO" sends the browser (add `?return_to=<path>`). */
  startUrl: string | null;
}

const tags = ['session'];
// Mounted under /api/v1 with the management routes; the paths above are the full ones, for URLs.
const inScope = (path: string) => path.replace(/^\/api\/v1/, '');
const NotConfigured = 'single sign-on is not configured (OIDC_ISSUER_URL is unset)';

export function ssoRoutes(deps: {
  service: SsoService | undefined;
  providerInfo: () => ProviderInfo;
  completeSignIn: CompleteSignIn;
}): FastifyPluginAsyncTypebox {
  const { service } = deps;
  return async (app) => {
    app.get(
      inScope(SSO_PATH),
      {
        config: access.public(),
        schema: {
          tags,
          summary: 'Whether single sign-on is configured, and where it starts',
          response: { 200: Type.Object({ enabled: Type.Boolean(), start_url: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false }) },
        },
      },
      async () => {
        const info = deps.providerInfo();
        return { enabled: info.enabled, start_url: info.startUrl };
      },
    );

    app.get(
      inScope(START_PATH),
      {
        config: access.public(),
        schema: {
          tags,
          summary: 'Start a sign-in at the OpenID provider: a redirect there',
          querystring: Type.Object({ return_to: Type.Optional(Type.String({ description: 'A path on this site to go to once signed in' })) }),
          response: { 302: Type.Null({ description: "To the provider's authorization endpoint" }), ...errorResponses(400, 404, 503) },
        },
      },
      async (request, reply) => {
        if (!service) throw new NotFoundError(NotConfigured);
        const { location, cookie } = await service.start(originOf(request), request.query.return_to);
        return reply.header('set-cookie', cookie).header('cache-control', 'no-store').redirect(location, 302);
      },
    );

    app.get(
      inScope(CALLBACK_PATH),
      {
        // A sign-in: audited like POST /session, though the provider sends the browser here with a GET.
        config: { ...access.public(), audit: true },
        schema: {
          tags,
          summary: 'Where the OpenID provider sends the browser back: verifies the sign-in and opens the session',
          response: { 302: Type.Null({ description: 'To where the sign-in started' }), ...errorResponses(400, 401, 403, 404, 503) },
        },
      },
      async (request, reply) => {
        if (!service) throw new NotFoundError(NotConfigured);
        const origin = originOf(request);
        void reply.header('cache-control', 'no-store');
        // Whatever the outcome the state is spent: it is cleared on refusals too.
        void reply.header('set-cookie', service.clearCookie(origin));
        const query = new URLSearchParams(request.url.split('?')[1] ?? '');
        const { identity, returnTo } = await service.finish(readStateCookie(request.headers.cookie), query);
        await deps.completeSignIn(identity, request, reply);
        if (!reply.sent) return reply.redirect(returnTo, 302);
        return reply;
      },
    );
  };
}

function originOf(request: FastifyRequest): RequestOrigin {
  return { protocol: request.protocol === 'https' ? 'https' : 'http', host: request.host };
}
