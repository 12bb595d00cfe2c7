import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { AuthenticatedSystem, SystemAuthenticator } from './system-authenticator.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The appliance that authenticated this request (appliance routes only). */
    system: AuthenticatedSystem;
  }
}

/**
 * An onRequest hook that admits only appliances presenting valid HTTP Basic credentials, and
 * notes the Muster agent version their User-Agent names (written only when it changed). In
 * callback style: credentials verified a moment ago are admitted without creating a promise.
 */
export function requireSystem(authenticator: SystemAuthenticator) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const authorization = request.headers.authorization;
    const cached = authenticator.cached(authorization);
    if (cached) {
      request.system = cached;
      authenticator.noteUserAgent(cached, request.headers['user-agent']);
      done();
      return;
    }
    authenticator.authenticate(authorization).then((system) => {
      request.system = system;
      authenticator.noteUserAgent(system, request.headers['user-agent']);
      done();
    }, done);
  };
}
