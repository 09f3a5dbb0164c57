import type { FastifyInstance } from 'fastify';
import type { SharedRateLimit } from '../plugins/protection.ts';
import { escapeHtml, notFoundPage, renderPage, sendPage } from './render.ts';
import { resolvePoll } from './resolve-poll.ts';

/**
 * `/v/<slug, id or join code>`: the vote page. The server only finds the poll and hands its id to
 * the script (a data attribute: no inline script under our policy); the script reads the poll
 * through getPoll with the voter's own credentials and casts through castBallot, as any client.
 * Rate-limited with the join code lookups, since a code in this URL is one.
 */
export async function votePageRoutes(app: FastifyInstance, { rateLimit }: { rateLimit: SharedRateLimit }): Promise<void> {
  app.get<{ Params: { key: string } }>('/v/:key', { schema: { hide: true }, ...rateLimit }, async (request, reply) => {
    const state = await resolvePoll(app, request.params.key);
    if (!state) return notFoundPage(reply, 'No such poll');
    return sendPage(reply, 200, renderPage({
      title: 'Vote',
      scripts: ['/assets/pages/vote.js'],
      bodyAttributes: { 'data-poll-id': state.poll.pollId, 'data-blind': String(state.poll.settings.anonymity === 'blind'), class: 'vote-page' },
      body: `<main id="main">
  <h1 id="title">Loading the poll…</h1>
  <p id="description" class="lead" hidden></p>
  <p id="notice" class="notice" role="alert" hidden></p>
  <section id="voter" aria-live="polite"></section>
  <form id="ballot" novalidate hidden>
    <div id="questions"></div>
    <p id="form-error" class="error" role="alert" hidden></p>
    <p id="working" class="muted" role="status" aria-live="polite"></p>
    <div id="challenge-slot"></div>
    <button type="submit" id="cast">Cast my vote</button>
  </form>
  <section id="receipt" aria-labelledby="receipt-title" hidden tabindex="-1"></section>
  <noscript><p>This page needs JavaScript to vote. <a href="/api/docs">The API</a> works without it.</p></noscript>
</main>
<footer class="muted">Pollster · <a href="/j">Join another poll</a> · poll <code>${escapeHtml(state.poll.slug)}</code></footer>`,
    }));
  });
}
