import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { csvCell } from '../../adapters/csv-cell.ts';
import { pollNotFound } from '../../domain/poll/errors.ts';
import type { ExistingPollState } from '../../domain/poll/state.ts';
import { ForbiddenError } from '../../domain/shared/errors.ts';
import { Uuid } from '../schemas/common.ts';
import { qrSvg } from './qr.ts';
import { escapeHtml, origin, PAGE_CSP, renderPage, sendPage } from './render.ts';

const BODY = readFileSync(new URL('./console.html', import.meta.url), 'utf8');

/** One sheet is printed at once; a QR code costs a few milliseconds of this process's time. */
const SHEET_MAX = 500;

/**
 * Only the shape issueVoteTokens hands out (base64url): these routes print what they are given,
 * so they must not become a way to put arbitrary text into a link or a QR code on our behalf.
 */
const VoteToken = Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' });
const Params = Type.Object({ pollId: Uuid });
const tokensBody = (maxItems: number) => Type.Object({ tokens: Type.Array(VoteToken, { minItems: 1, maxItems }) }, { additionalProperties: false });

type HandoutRequest = FastifyRequest<{ Params: { pollId: string }; Body: { tokens: string[] } }>;

/**
 * `/o`: the organiser console, a page whose script (console.js) works through the public API
 * with the organiser's own token, as any client would.
 *
 * Vote tokens are shown once (issueVoteTokens keeps only hashes), so only the browser that issued
 * them holds them. To turn them into a spreadsheet or a printed sheet it posts them back here:
 * the CSV is written with csvCell (formula injection) and the QR codes with the presenter view's
 * code, on the server. Both answer only the poll's organizer or an admin, as issueVoteTokens does,
 * and return nothing but the caller's own tokens around the poll's title and address; nothing is
 * stored and nothing is cached. Tokens travel in the body, never in a URL the access log writes.
 */
export async function consolePageRoutes(app: FastifyInstance): Promise<void> {
  app.get('/o', { schema: { hide: true } }, async (_request, reply) =>
    sendPage(reply, 200, renderPage({
      title: 'Organiser console',
      scripts: ['/assets/pages/console.js'],
      styles: ['/assets/pages/console.css'],
      bodyAttributes: { class: 'console-page' },
      body: BODY,
    })),
  );

  async function managedPoll(request: HandoutRequest): Promise<ExistingPollState> {
    const { pollId } = request.params;
    const state = await app.queries.findPoll(pollId);
    if (!state) throw pollNotFound(pollId);
    const { userId, roles } = request.user;
    if (!roles.includes('admin') && state.poll.organizerId !== userId) {
      throw new ForbiddenError('poll.not-organizer', `only the organizer of poll ${pollId} may do this`);
    }
    return state;
  }

  /** The personal link of a token: the vote page takes it from the fragment, which browsers never send. */
  const personalLink = (request: FastifyRequest, slug: string, token: string) => `${origin(request)}/v/${slug}#token=${token}`;

  app.post<{ Params: { pollId: string }; Body: { tokens: string[] } }>(
    '/o/polls/:pollId/links.csv',
    { preHandler: app.auth.required, schema: { hide: true, params: Params, body: tokensBody(10_000) } },
    async (request, reply) => {
      const { poll } = await managedPoll(request);
      const rows = request.body.tokens.map((token, i) => [csvCell(poll.title), String(i + 1), csvCell(personalLink(request, poll.slug, token))].join(','));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${poll.slug}-vote-links.csv"`)
        .header('cache-control', 'no-store')
        .send(['poll,number,link', ...rows, ''].join('\r\n'));
    },
  );

  app.post<{ Params: { pollId: string }; Body: { tokens: string[] } }>(
    '/o/polls/:pollId/qr-sheet',
    { preHandler: app.auth.required, schema: { hide: true, params: Params, body: tokensBody(SHEET_MAX) } },
    async (request, reply) => {
      const { poll } = await managedPoll(request);
      const title = escapeHtml(poll.title);
      const cards = [];
      for (const [i, token] of request.body.tokens.entries()) {
        const svg = await qrSvg(personalLink(request, poll.slug, token));
        cards.push(`<li class="qr-card">
  <div class="qr" role="img" aria-label="QR code: personal vote link ${i + 1}">${svg}</div>
  <p class="qr-poll">${title}</p>
  <p class="muted">Scan to vote, once. Or go to ${escapeHtml(`${origin(request)}/v/${poll.slug}`)} and type the token:</p>
  <p class="qr-token"><code>${token}</code></p>
</li>`);
      }
      // A fragment the console places in its own page (which prints it), not a page of its own.
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', PAGE_CSP)
        .header('cache-control', 'no-store')
        .send(`<h2 id="sheet-title">Vote links: ${title}</h2>
<p class="muted no-print">${cards.length} personal QR codes, each good for one ballot. Print, cut along the lines, hand one to each voter.</p>
<ol class="qr-sheet">${cards.join('\n')}</ol>`);
    },
  );
}
