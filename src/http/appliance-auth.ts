import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedSystem, SystemAuthenticator } from '../features/systems/system-authenticator.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The appliance that authenticated this request (appliance routes only). */
    system: AuthenticatedSystem;
  }
}

/** An onRequest hook that admits only appliances presenting valid HTTP Basic credentials. */
export function requireSystem(authenticator: SystemAuthenticator) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    request.system = await authenticator.authenticate(request.headers.authorization);
  };
}
