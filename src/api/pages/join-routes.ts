import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../domain/shared/errors.ts';
import type { SharedRateLimit } from '../plugins/protection.ts';
import { joinForm, notFoundPage, renderPage, sendPage } from './render.ts';

/**
 * `/j`: one big input for the join code (a plain form: `/j?code=` comes back here); `/j/<code>`
 * (the link a QR code holds) sends the browser on to the poll's vote page. Every lookup counts
 * against the address's join code rate limit, as findPollByJoinCode does.
 */
export async function joinPageRoutes(app: FastifyInstance, { rateLimit }: { rateLimit: SharedRateLimit }): Promise<void> {
  async function redirectToPoll(code: string, reply: Parameters<typeof sendPage>[0]) {
    try {
      const poll = await app.queries.findPollByJoinCode(code.replace(/\s+/g, ''));
      return reply.redirect(`/v/${encodeURIComponent(poll.poll.slug)}`, 303);
    } catch (error) {
      if (error instanceof NotFoundError) return notFoundPage(reply, `No open poll has the code ${code}`);
      throw error;
    }
  }

  app.get<{ Querystring: { code?: string } }>('/j', { schema: { hide: true }, ...rateLimit }, async (request, reply) => {
    const code = typeof request.query.code === 'string' ? request.query.code.trim() : '';
    if (code) return redirectToPoll(code, reply);
    return sendPage(reply, 200, renderPage({
      title: 'Join a poll',
      bodyAttributes: { class: 'join-page' },
      body: `<main>
  <h1>Join a poll</h1>
  ${joinForm()}
</main>`,
    }));
  });

  app.get<{ Params: { code: string } }>('/j/:code', { schema: { hide: true }, ...rateLimit }, async (request, reply) =>
    redirectToPoll(request.params.code, reply),
  );
}
