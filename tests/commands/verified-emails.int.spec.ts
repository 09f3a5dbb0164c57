import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../../src/event-store/port.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { handleCommand } from '../../src/commands/handle-command.ts';
import { VerifiedEmails, emailDomain } from '../../src/commands/users/verified-emails.ts';
import { userStream } from '../../src/domain/shared/streams.ts';
import { userDecider } from '../../src/domain/user/decider.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/**
 * The membership fact read from the log: a verified address counts at once (no negative answer is
 * kept), and once known it is not read again (verification is permanent), within a bounded cache.
 */
let db: TestDatabase;
let store: PostgresEventStore;
const context = { actor: 'system', correlationId: 'verified-emails-spec' };

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore({ connectionString: db.url });
});
afterAll(async () => {
  await store?.close();
  await db?.drop();
});

/** The real store, counting the user streams read through it. */
function counting(): { store: EventStore; reads: string[] } {
  const reads: string[] = [];
  const wrapped = Object.create(store) as EventStore;
  wrapped.readStream = (stream, options) => {
    reads.push(stream);
    return store.readStream(stream, options);
  };
  return { store: wrapped, reads };
}

async function account(email: string, verified: boolean): Promise<string> {
  const userId = randomUUID();
  const now = new Date();
  await handleCommand(store, userDecider, userStream(userId), {
    type: 'RegisterUser', data: { userId, email, displayName: email, isFirstUser: false, now },
  }, context);
  if (verified) await verify(userId, email);
  return userId;
}

const verify = (userId: string, email: string) =>
  handleCommand(store, userDecider, userStream(userId), { type: 'VerifyEmail', data: { userId, email, now: new Date() } }, context);

describe('VerifiedEmails', () => {
  it('answers null for an unverified or unknown account, and never keeps that answer', async () => {
    const { store: s, reads } = counting();
    const emails = new VerifiedEmails(s);
    const userId = await account('new@acme.test', false);
    expect(await emails.of(userId)).toBeNull();
    expect(await emails.of(randomUUID())).toBeNull();

    await verify(userId, 'new@acme.test');
    expect(await emails.of(userId)).toBe('new@acme.test');
    expect(reads.filter((r) => r === userStream(userId))).toHaveLength(2);
  });

  it('reads a verified account once, then answers from memory', async () => {
    const { store: s, reads } = counting();
    const emails = new VerifiedEmails(s);
    const userId = await account('Known@ACME.test', true);
    for (let i = 0; i < 3; i++) expect(await emails.of(userId)).toBe('known@acme.test');
    expect(reads).toEqual([userStream(userId)]);
  });

  it('keeps at most maxEntries answers, dropping the least recently used', async () => {
    const { store: s, reads } = counting();
    const emails = new VerifiedEmails(s, { maxEntries: 2 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => account(`${n}@acme.test`, true)));
    await emails.of(a!);
    await emails.of(b!);
    await emails.of(a!); // a is now the most recent
    await emails.of(c!); // b goes
    expect(emails.size).toBe(2);
    reads.length = 0;
    await emails.of(a!);
    await emails.of(b!);
    expect(reads).toEqual([userStream(b!)]);
  });

  it('compares organisations by domain, whatever the letter case', () => {
    expect(emailDomain('Eve@ACME.Test')).toBe('acme.test');
    expect(emailDomain('"odd@name"@acme.test')).toBe('acme.test');
  });
});
