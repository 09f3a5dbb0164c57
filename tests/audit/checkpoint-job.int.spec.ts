import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asCheckpoint, headsThrough } from '../../src/audit/checkpoint.ts';
import { merkleRoot } from '../../src/audit/merkle.ts';
import { auditStream } from '../../src/domain/shared/streams.ts';
import { readPollEvents } from '../../src/projections/shared/read-poll-events.ts';
import { auditCheckpointsJob } from '../../src/worker/jobs/audit-checkpoints.ts';
import { answersFor, call, callerWith, openedPoll } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * The checkpoint job keeps each poll's stream heads between its rounds and carries them forward
 * with the log pages it tails anyway, so a checkpoint reads nothing twice. The attack on that
 * shortcut is a head it forgot or got wrong: then a signed root would not be the root of the log.
 * Every checkpoint one long-lived job signs, round after round, must equal the root recomputed
 * from the log alone.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
}, 60_000);
afterAll(async () => t?.close());

describe('the checkpoint job across rounds', () => {
  it('signs, round after round, the root the log itself gives (heads carried forward, never read twice)', async () => {
    const organizer = await callerWith(t, 'organizer');
    const polls = [await openedPoll(t.app, organizer, { allowChangeVote: true }), await openedPoll(t.app, organizer, { allowChangeVote: true })];
    const job = auditCheckpointsJob({
      sql: t.services.sql, store: t.services.store, key: t.services.secrets.auditKey, logger: pino({ level: 'silent' }),
      now: () => new Date(), everyEvents: 1, everySeconds: 3600, checkpointShare: 1, // a checkpoint every round: no pacing
    });
    const voters = await Promise.all(Array.from({ length: 4 }, () => callerWith(t)));
    for (let round = 0; round < 4; round++) {
      for (const poll of polls) {
        for (const [i, voter] of voters.entries()) {
          // Round 0 casts, later rounds change some ballots (new heads of old streams) and leave others.
          if (round > 0 && (i + round) % 2 === 0) continue;
          const method = round === 0 ? 'POST' : 'PUT';
          const url = round === 0 ? `/api/polls/${poll.pollId}/ballots` : `/api/polls/${poll.pollId}/ballots/mine`;
          const answered = await call(t.app, { method, url, caller: voter, payload: { answers: answersFor(poll) } });
          expect(answered.status).toBeLessThan(300);
        }
      }
      await committedHead(t.services); // the round's ballots readable: a ballot answers at its commit
      await job.run(new AbortController().signal);
    }

    for (const poll of polls) {
      const checkpoints = (await t.services.store.readStream(auditStream(poll.pollId))).map((e) => asCheckpoint(e.stored?.data ?? e.data)).filter((c) => c !== undefined);
      expect(checkpoints.length).toBeGreaterThanOrEqual(4);
      for (const checkpoint of checkpoints) {
        const events = await readPollEvents(t.services.store, poll.pollId, { upTo: BigInt(checkpoint.through) });
        const { heads, events: count } = headsThrough(events.map((e) => ({ stream: e.stream, revision: e.revision, hash: e.hash ?? '', position: e.position })), BigInt(checkpoint.through));
        expect({ root: checkpoint.merkleRoot, events: checkpoint.events }).toEqual({ root: merkleRoot(heads), events: count });
      }
    }
  }, 60_000);

  it('paces a poll by what its checkpoints cost, so a large poll taking ballots is not re-hashed every few of them, and still signs its close at once', async () => {
    const organizer = await callerWith(t, 'organizer');
    const poll = await openedPoll(t.app, organizer);
    // A share of 0.001: after a checkpoint that took t, the poll waits 999 t (over a second, as t
    // is a few database round trips at least) before its next, unless it closes.
    const job = auditCheckpointsJob({
      sql: t.services.sql, store: t.services.store, key: t.services.secrets.auditKey, logger: pino({ level: 'silent' }),
      now: () => new Date(), everyEvents: 1, everySeconds: 3600, checkpointShare: 0.001,
    });
    const signed = async () => (await t.services.store.readStream(auditStream(poll.pollId))).map((e) => asCheckpoint(e.stored?.data ?? e.data)!);
    const vote = async () => {
      const voter = await callerWith(t);
      expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } })).status).toBe(201);
      await committedHead(t.services);
    };

    await vote();
    await job.run(new AbortController().signal);
    expect((await signed()).map((c) => c.reason)).toEqual(['events']);
    await vote();
    await job.run(new AbortController().signal);
    expect((await signed()).map((c) => c.reason)).toEqual(['events']); // due by its count, paced by its cost
    expect((await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/close`, caller: organizer })).status).toBe(200);
    await committedHead(t.services);
    await job.run(new AbortController().signal);
    const last = (await signed()).at(-1)!;
    expect(last.reason).toBe('close');
    const { heads, events } = headsThrough((await readPollEvents(t.services.store, poll.pollId, { upTo: BigInt(last.through) })).map((e) => ({ stream: e.stream, revision: e.revision, hash: e.hash ?? '', position: e.position })), BigInt(last.through));
    expect({ root: last.merkleRoot, events: last.events }).toEqual({ root: merkleRoot(heads), events });
  }, 60_000);
});
