import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BROWSER_MODULES } from './browser-modules.ts';

/** Read once at start: small, and they never change while running. */
const file = (name: string) => readFileSync(new URL(`./${name}`, import.meta.url));
const FRONT_DOOR = file('front-door.html');
const POLL_NOT_FOUND = file('not-found.html');
const CSS = file('pollster.css');

/** The pages' own scripts and styles (src/api/pages/assets), by name; nothing else is served from there. */
const ASSET_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
const PAGE_ASSETS = new Map(
  ['dom.js', 'vote.js', 'vote-blind.js', 'challenge-worker.js', 'presenter.js', 'presenter.css', 'console.js', 'console.css'].map((name) => [name, { body: file(`assets/${name}`), type: ASSET_TYPES[name.split('.').pop()!]! }]),
);

/**
 * Library files the pages load, served from node_modules by this server (no third-party
 * requests): the ALTCHA widget (its CSP-friendly `external` build, without inlined workers) and
 * its SHA worker, which solve the 428 challenges of the fraud screen on the vote page.
 */
const fromPackage = (specifier: string) => readFileSync(new URL(import.meta.resolve(specifier)));
const VENDOR_ASSETS = new Map([
  ['altcha.js', { body: fromPackage('altcha/external'), type: ASSET_TYPES.js! }],
  ['altcha-sha-worker.js', { body: fromPackage('altcha/workers/sha'), type: ASSET_TYPES.js! }],
]);

/**
 * Strict policy for these static pages (the app-wide helmet policy is off because the API serves
 * JSON): our stylesheet only, no scripts, nothing from anywhere else.
 */
const CSP = "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const html = (reply: FastifyReply, status: number, body: Buffer) =>
  reply.status(status).type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-cache').send(body);

/** The page a browser gets for a poll that does not exist (the live page's route), with a way home. */
export const pollNotFoundPage = (reply: FastifyReply) => html(reply, 404, POLL_NOT_FOUND);

/**
 * `GET /`: what Pollster is, where the API documentation and the OpenAPI document are, and where
 * live pages live; for a person who typed the bare address (the API and the edge both serve it).
 */
export async function frontDoorRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => html(reply, 200, FRONT_DOOR));
  app.get('/assets/pollster.css', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(CSS),
  );
  app.get<{ Params: { name: string } }>('/assets/pages/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = PAGE_ASSETS.get(request.params.name);
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  });
  app.get<{ Params: { name: string } }>('/assets/vendor/:name', { schema: { hide: true } }, async (request, reply) => {
    const asset = VENDOR_ASSETS.get(request.params.name);
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });
  const browserModule = async (request: FastifyRequest, reply: FastifyReply) => {
    const asset = BROWSER_MODULES.get(request.url.split('?')[0]!);
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=300').send(asset.body);
  };
  app.get('/assets/client/:name', { schema: { hide: true } }, browserModule);
  app.get('/assets/vendor/blindrsa-ts/*', { schema: { hide: true } }, browserModule);
}
