import type { FastifyInstance } from 'fastify';
import { qrSvg } from './qr.ts';
import { escapeHtml, notFoundPage, origin, renderPage, sendPage } from './render.ts';
import { resolvePoll } from './resolve-poll.ts';

/**
 * `/p/<slug or id>`: the presenter view for a room's screen. The join instructions (address, code,
 * and a QR code made here as inline SVG: no image service, no script) are rendered by the server;
 * the results are drawn by presenter.js from getResults and the liveResults feed, showing only
 * what any viewer of the results may see (no review queue numbers).
 */
export async function presenterPageRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { key: string } }>('/p/:key', { schema: { hide: true } }, async (request, reply) => {
    const state = await resolvePoll(app, request.params.key);
    if (!state) return notFoundPage(reply, 'No such poll');
    const { poll } = state;
    const code = state.status === 'active' ? state.joinCode : undefined;
    const base = origin(request);
    const link = code ? `${base}/j/${code}` : `${base}/v/${poll.slug}`;
    const qr = await qrSvg(link);
    const join = state.status === 'active'
      ? `<section class="join-box" aria-labelledby="join-title">
    <h2 id="join-title">Vote now</h2>
    <p class="join-step">Go to <strong class="join-url">${escapeHtml(`${base.replace(/^https?:\/\//, '')}/j`)}</strong></p>
    ${code ? `<p class="join-step">and enter <strong class="join-code" id="join-code" aria-label="code ${escapeHtml(code.split('').join(' '))}">${escapeHtml(code.replace(/^(\d{3})(\d+)$/, '$1 $2'))}</strong></p>` : ''}
    <div class="qr" role="img" aria-label="QR code for ${escapeHtml(link)}">${qr}</div>
    <p class="muted join-or">or scan the code with a phone camera</p>
  </section>`
      : `<section class="join-box"><h2>${state.status === 'closed' ? 'Voting has closed' : 'Voting opens soon'}</h2></section>`;
    return sendPage(reply, 200, renderPage({
      title: `${poll.title} · presenter`,
      styles: ['/assets/pages/presenter.css'],
      scripts: ['/assets/pages/presenter.js'],
      bodyAttributes: { 'data-poll-id': poll.pollId, class: 'presenter' },
      body: `<main class="stage">
  <header class="stage-top">
    <h1 id="title">${escapeHtml(poll.title)}</h1>
    <p class="count" aria-live="polite" aria-atomic="true"><span id="total-ballots" data-total="0">0</span> <span id="ballots-word">ballots</span></p>
    <button type="button" id="fullscreen" class="secondary">Full screen</button>
  </header>
  <div class="stage-body">
    <div id="questions" class="results"><p id="notice" class="notice" hidden></p></div>
    ${join}
  </div>
  <p id="connection" class="muted connection" role="status" data-state="connecting">Connecting…</p>
</main>`,
    }));
  });
}
