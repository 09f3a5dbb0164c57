import nodemailer, { type Transporter } from 'nodemailer';
import { UnavailableError } from '../../domain/shared/errors.ts';
import type { MailMessage, Mailer } from './port.ts';

/**
 * Mail through an SMTP server (SMTP_URL, e.g. `smtp://user:pass@host:587`, `smtps://…:465`).
 * nodemailer reads everything from the URL (its query parameters override the timeouts below);
 * `?from=` names the sender, else the user name when it is an address, else pollster@<host>.
 */
export class SmtpMailer implements Mailer {
  readonly #transport: Transporter;
  readonly #from: string;

  constructor(smtpUrl: string) {
    const url = new URL(smtpUrl);
    const from = url.searchParams.get('from');
    url.searchParams.delete('from');
    const user = decodeURIComponent(url.username);
    this.#from = from ?? (user.includes('@') ? user : `pollster@${url.hostname}`);
    this.#transport = nodemailer.createTransport({
      url: url.toString(),
      // nodemailer waits minutes by default; a request that sends a code should fail in seconds.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.#transport.sendMail({ from: this.#from, to: message.to, subject: message.subject, text: message.text });
    } catch (cause) {
      // The SMTP server's own words (and the URL's password in some errors) stay in the server log.
      throw new UnavailableError('mail.unavailable', 'the mail server did not take the message; try again later', { cause });
    }
  }

  close(): void {
    this.#transport.close();
  }
}
