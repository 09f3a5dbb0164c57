import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answersFor, call, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * A lock on the events table (an operator's maintenance, a runaway migration) must not make
 * ballots wait without limit: past the append lock timeout (2 s by default) they get a 503
 * problem with Retry-After, having written nothing, and go through once the lock is gone.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('a ballot while another session locks the events table', () => {
  it('gets 503 event-store.timeout with Retry-After within the bound, and lands after the lock ends', async () => {
    const organizer = await callerWith(t, 'organizer');
    const voter = await callerWith(t);
    const poll = await openedPoll(t.app, organizer);
    const ballot = { method: 'POST' as const, url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } };

    const locker = new pg.Client({ connectionString: t.db.url });
    await locker.connect();
    let answer;
    const started = Date.now();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      answer = await Promise.race([call(t.app, ballot), new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 8_000))]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect(answer).not.toBe('hung');
    const refused = answer as Awaited<ReturnType<typeof call>>;
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'event-store.timeout' });
    expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(refused.headers['retry-after']).toBe('5');
    expect(Date.now() - started).toBeLessThan(6_000);

    // Nothing was written: the same voter's retry is accepted, not 409 already-voted.
    expect((await call(t.app, ballot)).status).toBe(201);
  }, 30_000);
});
