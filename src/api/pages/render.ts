import type { FastifyReply, FastifyRequest } from 'fastify';

/** This server's address as the browser reached it (Host, and X-Forwarded-* where TRUST_PROXY believes them). */
export const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** Text into HTML (element content and double-quoted attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/**
 * Our pages' policy (the app-wide helmet policy is off because the API serves JSON): our own
 * scripts, styles and workers only, connections back to this origin, forms posted here; nothing
 * from anywhere else, no inline script.
 */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self' ws: wss:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

export interface PageParts {
  title: string;
  body: string;
  /** Module scripts under /assets/pages/. */
  scripts?: string[];
  styles?: string[];
  bodyAttributes?: Record<string, string>;
}

/** A whole document around `body` (trusted HTML: callers escape what they interpolate). */
export function renderPage({ title, body, scripts = [], styles = [], bodyAttributes = {} }: PageParts): string {
  const attributes = Object.entries(bodyAttributes).map(([k, v]) => ` ${k}="${escapeHtml(v)}"`).join('');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · Pollster</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/assets/pollster.css">
${styles.map((s) => `  <link rel="stylesheet" href="${s}">\n`).join('')}${scripts.map((s) => `  <script type="module" src="${s}"></script>\n`).join('')}</head>
<body${attributes}>
${body}
</body>
</html>
`;
}

export const sendPage = (reply: FastifyReply, status: number, html: string) =>
  reply.status(status).type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).header('cache-control', 'no-cache').send(html);

/** A page for a join code or poll that is not there, with the join form to try again. */
export function notFoundPage(reply: FastifyReply, what: string) {
  return sendPage(reply, 404, renderPage({
    title: 'Not found',
    body: `<main>
  <h1>${escapeHtml(what)}</h1>
  <p>Check the code or link you were given. Codes are 6 to 8 digits and work while the poll is open.</p>
  ${joinForm()}
  <p><a href="/">Pollster home</a></p>
</main>`,
  }));
}

/** The one big input of /j: a plain GET form, so it works without JavaScript. */
export function joinForm(): string {
  return `<form class="join" action="/j" method="get">
    <label for="code">Join code</label>
    <input id="code" name="code" inputmode="numeric" autocomplete="off" pattern="[0-9 ]{6,10}" maxlength="10" required aria-describedby="code-help">
    <p id="code-help" class="muted">The 6 to 8 digits shown by the presenter.</p>
    <button type="submit">Join</button>
  </form>`;
}
