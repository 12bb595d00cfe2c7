import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest, onRequestAbortHookHandler, onResponseHookHandler, preParsingHookHandler } from 'fastify';
import { ServiceUnavailableError } from '../errors/errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * How a route's body counts against the in-flight budget: `counted` (the default) as it
     * arrives, `decoded` when the route counts it itself after decoding (see `track`),
     * `exempt` when it is never held in memory (streamed to storage, or tiny and discarded).
     */
    bodyBudget?: 'counted' | 'decoded' | 'exempt';
  }
}

const reserved = Symbol('bodyBudgetReserved');

type Tracked = FastifyRequest & { [reserved]?: number };

function tooMuchInFlight(): ServiceUnavailableError {
  return new ServiceUnavailableError('too much request data in flight on this node; retry shortly', 1);
}

/**
 * A ceiling on the request bodies one process holds at once: bytes are reserved as they arrive
 * and released when the request is answered (an inventory stays counted until its batch has
 * committed and it is answered), so bodies being read, parsed and waiting to be stored never
 * take more than `maxBytes` (their parsed forms a small multiple of it). A body that would go
 * past it is refused with 503 and Retry-After, before more of it is read.
 */
export function createBodyBudget(maxBytes: number) {
  let used = 0;

  function reserve(request: Tracked, bytes: number): boolean {
    if (used + bytes > maxBytes) return false;
    used += bytes;
    request[reserved] = (request[reserved] ?? 0) + bytes;
    return true;
  }

  function release(request: Tracked): void {
    used -= request[reserved] ?? 0;
    request[reserved] = 0;
  }

  /**
   * Counts `stream`'s bytes against the budget for `request`. A declared length (the HTTP parser
   * delivers no more) is reserved whole at once, with no counting stream in the body's way, and
   * refused at once when it cannot fit; a body of unknown length (chunked, or decoded) is counted
   * as it arrives, the stream failing with a 503 past the budget.
   */
  function track(request: FastifyRequest, stream: Readable): Readable {
    const { 'content-length': length, 'transfer-encoding': encoding } = request.headers;
    const declared = encoding === undefined ? Number(length) : NaN;
    if (Number.isSafeInteger(declared) && declared > 0) {
      if (!reserve(request, declared)) throw tooMuchInFlight();
      return stream;
    }
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (reserve(request, chunk.length)) callback(null, chunk);
        else callback(tooMuchInFlight());
      },
    });
    stream.on('error', (error) => counter.destroy(error));
    // The body parser reading it hears its errors; a body no parser reads (a 415 for its content
    // type) fails with nobody listening, which must not take the process down.
    counter.on('error', () => undefined);
    return stream.pipe(counter);
  }

  return {
    track,

    /**
     * Counts the body of every route registered after this, unless the route says otherwise;
     * releases when the request ends. Hooks are added to the counted routes only, so an exempt
     * route (the heartbeat) pays nothing.
     */
    install(app: FastifyInstance): void {
      app.addHook('onRoute', (route) => {
        const mode = route.config?.bodyBudget ?? 'counted';
        if (mode === 'exempt') return;
        const count: preParsingHookHandler = (request, _reply, payload, done) => {
          const { 'content-length': length, 'transfer-encoding': encoding } = request.headers;
          if (length === '0' || (length === undefined && encoding === undefined)) return done(null, payload);
          try {
            done(null, track(request, payload));
          } catch (error) {
            done(error as Error);
          }
        };
        const releaseOnResponse: onResponseHookHandler = (request, _reply, done) => {
          release(request);
          done();
        };
        const releaseOnAbort: onRequestAbortHookHandler = (request, done) => {
          release(request);
          done();
        };
        if (mode === 'counted') route.preParsing = [count, ...hooks(route.preParsing)];
        route.onResponse = [releaseOnResponse, ...hooks(route.onResponse)];
        route.onRequestAbort = [releaseOnAbort, ...hooks(route.onRequestAbort)];
      });
    },

    /** Bytes of request bodies held right now. */
    get used(): number {
      return used;
    },

    limit: maxBytes,
  };
}

function hooks<T>(given: T | T[] | undefined): T[] {
  if (given === undefined) return [];
  return Array.isArray(given) ? given : [given];
}

export type BodyBudget = ReturnType<typeof createBodyBudget>;
