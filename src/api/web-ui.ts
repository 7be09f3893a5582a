/**
 * @module Serves the admin UI (built by Vite into dist/web) from the same server as the API. Any GET for an
 * HTML page that no route claims gets index.html, so client-side routes survive a reload; API paths never do.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const WEB_ROOT = fileURLToPath(new URL('../web', import.meta.url));

const NEVER_HTML = /^\/(api|healthz|readyz|metrics|destinations)(\/|$)/;

export async function registerWebUi(app: FastifyInstance): Promise<void> {
  if (!existsSync(WEB_ROOT)) return;
  await app.register(fastifyStatic, {
    root: WEB_ROOT,
    wildcard: false,
    index: ['index.html'],
    // Assets carry a content hash in their names; index.html must be revalidated to pick up a new build.
    setHeaders: (res, file) =>
      res.setHeader(
        'cache-control',
        file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      ),
  });
}

/** True when it answered the request with the UI's index page. */
export function serveIndexForPage(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.method !== 'GET' || NEVER_HTML.test(request.url) || !existsSync(WEB_ROOT)) return false;
  if (!(request.headers.accept ?? '').includes('text/html')) return false;
  void reply.header('cache-control', 'no-cache').sendFile('index.html');
  return true;
}
