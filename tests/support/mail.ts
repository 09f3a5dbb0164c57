import { readdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SMTPServer } from 'smtp-server';

/** A message as the SMTP receiver got it: envelope recipients and the raw RFC 5322 text. */
export interface ReceivedMail {
  to: string[];
  raw: string;
}

export interface SmtpReceiver {
  /** `smtp://user:pass@127.0.0.1:<port>`: what SMTP_URL would say. */
  url: string;
  received: ReceivedMail[];
  /** The next message to `address` not taken yet (waits up to 5 s for it). */
  next(address: string): Promise<ReceivedMail>;
  close(): Promise<void>;
}

const USER = 'pollster';
const PASSWORD = 'smtp receiver password';

/**
 * A real SMTP server on 127.0.0.1 and a free port that keeps what it receives. It requires the
 * URL's credentials (so the adapter is shown to log in) and offers no STARTTLS (its built-in
 * certificate is self-signed and for nothing but tests).
 */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const received: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER });
      else callback(new Error('invalid credentials'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}?from=polls@pollster.test`,
    received,
    async next(address) {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const mail = received.find((m) => !taken.has(m) && m.to.includes(address.toLowerCase()));
        if (mail) {
          taken.add(mail);
          return mail;
        }
        if (Date.now() > deadline) throw new Error(`no mail to ${address} arrived`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 8-digit code of a verification mail, as a person reading it would find it. */
export function codeIn(raw: string): string {
  const match = /^\s+(\d{8})\s*$/m.exec(raw);
  if (!match) throw new Error(`no code in the mail:\n${raw}`);
  return match[1]!;
}

/** The newest `.eml` in an outbox folder addressed to `address` (names sort by time). */
export async function newestOutboxMail(dir: string, address: string): Promise<string> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort().reverse();
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    if (new RegExp(`^To: ${address.replace(/[.+]/g, '\\$&')}\\r?$`, 'mi').test(text)) return text;
  }
  throw new Error(`no mail to ${address} in ${dir}`);
}

/**
 * Verifies an account's address the way its owner would on a machine without SMTP_URL: ask for
 * a code, read it from the outbox, send it back. Fails loudly on any other answer.
 */
export async function verifyThroughOutbox(
  app: FastifyInstance,
  outbox: string,
  caller: { headers: Record<string, string> },
  email: string,
): Promise<void> {
  const requested = await app.inject({ method: 'POST', url: '/api/auth/email/verification', headers: caller.headers });
  if (requested.statusCode !== 202) throw new Error(`requestEmailVerification: ${requested.statusCode} ${requested.body}`);
  const code = codeIn(await newestOutboxMail(outbox, email));
  const verified = await app.inject({ method: 'POST', url: '/api/auth/email/verify', headers: caller.headers, payload: { code } });
  if (verified.statusCode !== 200) throw new Error(`verifyEmail: ${verified.statusCode} ${verified.body}`);
}
