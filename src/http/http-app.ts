import rateLimit from '@fastify/rate-limit';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { AppError } from '../errors/errors.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { requireBearer, sha256 } from './admin-auth.ts';
import type { BodyBudget } from './body-budget.ts';
import { installErrorHandling } from './error-handler.ts';
import { installJsonBodyLimits } from './json-limits.ts';
import { parseQueryString, refuseNulInUrl, stripBasePath } from './url.ts';
import { validatorCompiler } from './validation.ts';

export interface HttpAppOptions {
  config: Pick<Config, 'apiMaxRequestSize' | 'apiJsonLimits' | 'basePath' | 'metricsToken' | 'trustProxy'>;
  logger: Logger;
  metrics: Metrics;
  bodyBudget: BodyBudget;
  version: string;
}

/**
 * The HTTP server without any feature's routes: limits and refusals that apply to every route
 * (body sizes, JSON shape, NUL bytes, the in-flight body budget), the error envelope, the
 * OpenAPI document and its UI at `/docs`, rate limiting for the routes that ask for it, and
 * `/metrics`.
 */
export async function createHttpApp(options: HttpAppOptions) {
  const { config, logger, metrics } = options;
  const fastifyLogger: FastifyBaseLogger = logger;
  const app = Fastify({
    loggerInstance: fastifyLogger,
    // Per-request logs would dominate the heartbeat path: only at LOG_LEVEL=debug or finer.
    // Failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: !logger.isLevelEnabled('debug') }),
    // A child logger per request (for its reqId) costs a redaction pass on the hot path; only
    // worth it when requests are logged.
    childLoggerFactory: logger.isLevelEnabled('debug') ? undefined : (parent) => parent,
    bodyLimit: config.apiMaxRequestSize,
    rewriteUrl: (request) => stripBasePath(request.url ?? '/', config.basePath),
    routerOptions: { querystringParser: parseQueryString, ignoreTrailingSlash: true },
    return503OnClosing: true,
    // TRUST_PROXY: request.ip, request.protocol and request.host then come from X-Forwarded-*
    // (the session cookie's Secure flag, the sign-in limiter's address, the CSRF origin check).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  installErrorHandling(app, config.apiMaxRequestSize);
  options.bodyBudget.install(app);
  // Hostile input is refused here, for every route, before it reaches a route or the database.
  installJsonBodyLimits(app, config.apiJsonLimits);
  app.addHook('onRequest', refuseNulInUrl);
  // Callback style: an async hook would cost a promise on every request.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  // Cookies are parsed only when a route reads them (request.cookies): the session's.
  await app.register(cookie, { hook: false });

  await app.register(swagger, {
    openapi: {
      info: { title: 'Muster', version: options.version, description: 'Fleet inventory and heartbeat service' },
      ...(config.basePath ? { servers: [{ url: config.basePath }] } : {}),
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'A personal token (mpt_…), an organization API key (mak_…, with the systems:read scope for reads) or ADMIN_TOKEN',
          },
          session: { type: 'apiKey', in: 'cookie', name: 'muster_session', description: 'The dashboard session; mutations also send X-CSRF-Token' },
          systemCredentials: { type: 'http', scheme: 'basic', description: 'system_key:system_secret' },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiHooks: {
      // The UI loads its assets relative to the page: `/docs` must become `/docs/` (under BASE_PATH too).
      onRequest: (request, reply, done) => {
        if (request.url === '/docs') void reply.redirect(`${request.originalUrl.split('?')[0]}/`);
        else done();
      },
    },
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new AppError(429, 'rate limit exceeded', { retry_after_seconds: Math.ceil(context.ttl / 1000) }),
  });

  await app.register(async (scope) => {
    if (config.metricsToken) scope.addHook('onRequest', requireBearer(sha256(config.metricsToken), 'metrics'));
    scope.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  });
  return app;
}

/** Trusts the `hops` proxies nearest to Muster (what Fastify does for a number, which its types do not allow). */
function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

export type HttpApp = Awaited<ReturnType<typeof createHttpApp>>;
