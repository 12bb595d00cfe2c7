import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { NotFoundError } from '../../errors/errors.ts';

/** Paths that belong to the APIs: an unknown one is a JSON 404, never the dashboard's page. */
const NOT_DASHBOARD = /^\/(api|docs|metrics)(\/|$)/;

// The page loads only its own scripts; recharts and React set inline styles.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export interface DashboardOptions {
  distDir: string;
  basePath: string;
}

/**
 * Serves the operator dashboard at `/` (under BASE_PATH): hashed assets with a long cache
 * life, and the single page for every other path the browser's router owns. The page gets
 * a `<base href>` so one build works under any BASE_PATH.
 */
export function dashboardRoutes(options: DashboardOptions): FastifyPluginAsync {
  return async (app) => {
    const indexFile = path.join(options.distDir, 'index.html');
    const page = existsSync(indexFile) ? withBaseHref(readFileSync(indexFile, 'utf8'), `${options.basePath}/`) : null;

    if (page !== null) {
      await app.register(fastifyStatic, {
        root: path.join(options.distDir, 'assets'),
        prefix: '/assets/',
        decorateReply: false,
        index: false,
        // File names carry a content hash: a new build is a new name.
        immutable: true,
        maxAge: '365d',
        setHeaders: (response) => void response.header('X-Content-Type-Options', 'nosniff'),
      });
    }

    const sendPage = (url: string, reply: FastifyReply) => {
      if (NOT_DASHBOARD.test(url)) throw new NotFoundError(`no route for GET ${url.split('?')[0]}`);
      reply.header('Cache-Control', 'no-cache').header('X-Content-Type-Options', 'nosniff').header('Referrer-Policy', 'no-referrer');
      if (page === null) {
        return reply
          .code(503)
          .type('text/plain; charset=utf-8')
          .send('The dashboard is not built. `npm start` builds it; or run `npm run build -w web` and restart Muster.\n');
      }
      return reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY).type('text/html; charset=utf-8').send(page);
    };

    app.get('/', { schema: { hide: true } }, (request, reply) => sendPage(request.url, reply));
    app.get('/*', { schema: { hide: true } }, (request, reply) => sendPage(request.url, reply));
  };
}

function withBaseHref(html: string, href: string): string {
  const escaped = href.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return html.replace('<head>', `<head>\n    <base href="${escaped}" />`);
}
