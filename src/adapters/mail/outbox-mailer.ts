import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { MailMessage, Mailer } from './port.ts';

/**
 * Without SMTP_URL mail is not lost but kept: each message becomes an RFC 5322 `.eml` file in
 * `<POLLSTER_DATA_DIR>/outbox/` (readable with `cat`, openable by any mail client), so a
 * developer or a single-machine operator can still verify addresses. The files hold one-time
 * codes, hence mode 0600 in a 0700 folder. Names start with the time, so `ls` lists them in order.
 */
export class OutboxMailer implements Mailer {
  readonly #dir: string;
  readonly #from: string;
  readonly #now: () => Date;
  // nodemailer composes the message (headers, encoding, line ends) exactly as it would send it.
  readonly #composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

  constructor(options: { dir: string; from?: string; now?: () => Date }) {
    this.#dir = options.dir;
    this.#from = options.from ?? 'Pollster <pollster@localhost>';
    this.#now = options.now ?? (() => new Date());
  }

  get dir(): string {
    return this.#dir;
  }

  async send(message: MailMessage): Promise<void> {
    await this.write(message);
  }

  async write(message: MailMessage): Promise<string> {
    const { message: eml } = await this.#composer.sendMail({
      from: this.#from, to: message.to, subject: message.subject, text: message.text, date: this.#now(),
    });
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const stamp = this.#now().toISOString().replaceAll(':', '-');
    const path = join(this.#dir, `${stamp}-${randomBytes(4).toString('hex')}.eml`);
    // `wx`: never overwrite a message that is still waiting to be read.
    await writeFile(path, eml, { mode: 0o600, flag: 'wx' });
    return path;
  }
}
