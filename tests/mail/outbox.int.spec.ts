import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailerFor } from '../../src/runtime/mailer.ts';
import { OutboxMailer } from '../../src/adapters/mail/outbox-mailer.ts';
import { SmtpMailer } from '../../src/adapters/mail/smtp-mailer.ts';
import { loadConfig } from '../../src/config.ts';

/**
 * The outbox adapter (no SMTP_URL): every message is a file an operator reads with `cat`, and
 * nobody else on the machine can, since it holds a one-time code.
 */
let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'pollster-outbox-spec-'));
});
afterAll(async () => rm(root, { recursive: true, force: true }));

describe('outbox mailer', () => {
  it('writes each message as an RFC 5322 .eml file, mode 0600, in a 0700 folder it creates', async () => {
    const dir = join(root, 'data', 'outbox');
    const mailer = new OutboxMailer({ dir, now: () => new Date('2030-01-02T03:04:05.000Z') });
    const path = await mailer.write({ to: 'ada@acme.test', subject: 'Your Pollster verification code', text: 'Your code is:\n\n    01234567\n' });

    expect(path.startsWith(join(dir, '2030-01-02T03-04-05.000Z-'))).toBe(true);
    expect(path.endsWith('.eml')).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    const eml = await readFile(path, 'utf8');
    const blank = eml.indexOf('\r\n\r\n');
    const head = eml.slice(0, blank);
    const body = eml.slice(blank + 4);
    // RFC 5322: CRLF lines, the header fields a mail client needs, then the text as it was written.
    expect(eml).not.toMatch(/[^\r]\n/);
    expect(head).toMatch(/^From: Pollster <pollster@localhost>$/m);
    expect(head).toMatch(/^To: ada@acme\.test$/m);
    expect(head).toMatch(/^Subject: Your Pollster verification code$/m);
    expect(head).toMatch(/^Date: Wed, 02 Jan 2030 03:04:05 \+0000$/m);
    expect(head).toMatch(/^Message-ID: <.+@.+>$/m);
    expect(head).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect(head).toMatch(/^Content-Transfer-Encoding: 7bit$/m);
    expect(body.replaceAll('\r\n', '\n')).toBe('Your code is:\n\n    01234567\n');
  });

  it('never overwrites a message: two at the same instant are two files', async () => {
    const dir = join(root, 'same-instant');
    const mailer = new OutboxMailer({ dir, now: () => new Date('2030-01-02T03:04:05.000Z') });
    await Promise.all([1, 2].map((n) => mailer.send({ to: `u${n}@acme.test`, subject: 's', text: `t${n}` })));
    expect(await readdir(dir)).toHaveLength(2);
  });

  it('is what a process without SMTP_URL gets, under <POLLSTER_DATA_DIR>/outbox, with a warning in full-stack mode', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const embedded = mailerFor(loadConfig({ POLLSTER_DATA_DIR: join(root, 'embedded') }), logger);
    expect(embedded).toBeInstanceOf(OutboxMailer);
    expect((embedded as OutboxMailer).dir).toBe(join(root, 'embedded', 'outbox'));
    expect(lines.map((l) => JSON.parse(l).level)).toEqual([30]);

    lines.length = 0;
    mailerFor(loadConfig({ POLLSTER_DATA_DIR: join(root, 'full'), DATABASE_URL: 'postgres://db.invalid/pollster' }), logger);
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 40, msg: expect.stringContaining('SMTP_URL not set') })]);

    const smtp = mailerFor(loadConfig({ SMTP_URL: 'smtp://user:pass@mail.invalid:587' }), logger);
    expect(smtp).toBeInstanceOf(SmtpMailer);
    (smtp as SmtpMailer).close();
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://', () => {
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example.org' })).toThrow(/SMTP_URL/);
  });
});
