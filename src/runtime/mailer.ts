import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { OutboxMailer } from '../adapters/mail/outbox-mailer.ts';
import type { Mailer } from '../adapters/mail/port.ts';
import { SmtpMailer } from '../adapters/mail/smtp-mailer.ts';

export type { MailMessage, Mailer } from '../adapters/mail/port.ts';

/**
 * SMTP_URL selects the SMTP adapter; without it mail goes to the outbox folder. In full-stack
 * mode that is almost certainly a forgotten setting (nobody reads files on an API node), so it
 * is a warning there; on the embedded default it is how a developer reads their codes.
 */
export function mailerFor(config: Pick<Config, 'SMTP_URL' | 'dataDir' | 'mode'>, logger: Logger): Mailer {
  if (config.SMTP_URL) return new SmtpMailer(config.SMTP_URL);
  const dir = join(config.dataDir, 'outbox');
  if (config.mode === 'full-stack') {
    logger.warn({ outbox: dir }, `SMTP_URL not set: verification mail is written to ${dir} instead of being sent`);
  } else {
    logger.info({ outbox: dir }, `SMTP_URL not set: verification mail is written to ${dir}`);
  }
  return new OutboxMailer({ dir });
}
