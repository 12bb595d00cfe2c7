import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { UnauthorizedError } from '../errors/errors.ts';

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * An onRequest hook admitting only `Authorization: Bearer <token>` whose SHA-256 equals
 * `tokenHash`. Digests are compared in constant time, so the comparison reveals nothing about
 * the token, not even its length.
 */
export function requireBearer(tokenHash: Buffer, realm: string) {
  const challenge = `Bearer realm="${realm}"`;
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    if (!header) throw new UnauthorizedError('authentication required: send Authorization: Bearer <token>', challenge);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !timingSafeEqual(sha256(match[1]!), tokenHash)) throw new UnauthorizedError('invalid token', challenge);
  };
}
