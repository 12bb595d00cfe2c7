import { createGunzip } from 'node:zlib';
import type { preParsingAsyncHookHandler } from 'fastify';
import { BadRequestError } from '../errors/errors.ts';
import type { BodyBudget } from './body-budget.ts';

/**
 * A preParsing hook for appliance routes that take `Content-Encoding: gzip` (an agent compresses
 * what is over 1 KB): the body is decoded before the route's size limit applies, so a small gzip
 * body cannot expand past it, and counted against the in-flight budget as decoded. The route
 * declares `config: { bodyBudget: 'decoded' }`. Identity passes as is; another coding is a 400.
 */
export function decodedBody(budget: BodyBudget): preParsingAsyncHookHandler {
  return async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (!encoding || encoding === 'identity') return budget.track(request, payload);
    if (encoding !== 'gzip' && encoding !== 'x-gzip') throw new BadRequestError(`unsupported Content-Encoding '${encoding}'; send identity or gzip`);
    // 128 KiB chunks rather than zlib's 16 KiB: 10 MB decoded in 80 event-loop turns, not 640,
    // so a large body (or a gzip bomb) is not answered seconds late while the loop is busy.
    const gunzip = createGunzip({ chunkSize: 128 * 1024 });
    gunzip.on('error', () => undefined);
    // The declared length is the compressed one: the limit applies to what is decoded.
    delete request.headers['content-length'];
    return budget.track(request, payload.pipe(gunzip));
  };
}
