import { UnavailableError } from '../../domain/shared/errors.ts';

/** A plain-text message to one address: all Pollster ever mails (one-time codes). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/**
 * The mail port. `send` resolves once the message is handed over (accepted by the SMTP server,
 * or written to the outbox) and rejects otherwise, so a caller never reports a code as sent
 * when it is not.
 */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close?(): Promise<void> | void;
}

/** For processes that serve no accounts API (worker, edge, CLI): nothing there should mail. */
export const noMailer: Mailer = {
  async send() {
    throw new UnavailableError('mail.unavailable', 'this process sends no mail');
  },
};
