import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pollNotFoundPage } from '../pages/pages.ts';

/** The page's three files, read once at start: they are small and never change while running. */
const file = (name: string) => readFileSync(new URL(`./page/${name}`, import.meta.url));
const ASSETS = {
  html: file('index.html'),
  js: file('live.js'),
  css: file('live.css'),
};

/**
 * Strict policy for our own HTML (the app-wide helmet policy is off because the API serves JSON):
 * our script and stylesheet only, and connections back to this origin (fetch, WebSocket).
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The live results page: static files, no framework, no build step. The page itself reads the poll
 * (getPoll, by id or slug), its results and, where the viewer may see them, its analytics, then
 * follows liveResults. Serving it only checks that the poll exists (the same lookup as getPoll), so
 * a mistyped link is a 404 rather than a page shell that says so later. Whether this viewer may
 * see the poll is left to the page: its token is in the URL's fragment, which never reaches us.
 */
export async function livePageRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { pollIdOrSlug: string } }>('/polls/:pollIdOrSlug', { schema: { hide: true } }, async (request, reply) => {
    if (!(await app.queries.findPoll(request.params.pollIdOrSlug))) return pollNotFoundPage(reply);
    return reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', CSP)
      .header('cache-control', 'no-cache')
      .send(ASSETS.html);
  });
  app.get('/assets/live/live.js', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(ASSETS.js),
  );
  app.get('/assets/live/live.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(ASSETS.css),
  );
}
