import { randomUUID } from 'node:crypto';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Answer } from '../../src/domain/ballot/answers.ts';
import type { BallotMeta } from '../../src/domain/ballot/events.ts';
import { ballotStream } from '../../src/domain/shared/streams.ts';
import { analytics, getAnalytics, type Projections, ProjectionRunner, resetProjection, startProjections } from '../../src/projections/index.ts';
import { useSchema } from '../../src/projections/runner/search-path.ts';
import { closePoll, createPoll, fastRunner, type Harness, openHarness, openPoll, silentLogger } from './harness.ts';

/** Given events appended through the real store, the analytics projection writes exactly these figures. */
let h: Harness;
let projections: Projections;

beforeAll(async () => {
  h = await openHarness();
  projections = startProjections({ store: h.store, sql: h.sql, logger: silentLogger, runner: fastRunner, projections: [analytics] });
});
afterAll(async () => {
  await projections?.stop();
  await h?.close();
});

const OPENED = '2030-01-01T10:00:00.000Z';
const all4: Answer[] = [
  { questionId: 'q-single', optionIds: ['o-pizza'] },
  { questionId: 'q-multi', optionIds: ['o-mon'] },
  { questionId: 'q-ranked', ranking: ['o-a'] },
  { questionId: 'q-rating', rating: 3 },
];
const meta = (device: string | null, country: string | null, responseSeconds?: number): BallotMeta => ({
  ipPrefix: null, device, country, userAgentHash: null, ...(responseSeconds === undefined ? {} : { responseSeconds }),
});
const Q = ['q-single', 'q-multi', 'q-ranked', 'q-rating'];
/** The drop-off rows of a poll: `answered[i]` of `shown` ballots answered question i. */
const dropOff = (shown: number, answered: number[]) =>
  Q.map((questionId, i) => ({ questionId, shown, answered: answered[i], answerRate: Math.round((answered[i]! / shown) * 10_000) / 10_000 }));

type Cast = { castAt: string; answers?: Answer[]; meta?: BallotMeta };

async function cast(pollId: string, { castAt, answers = all4, meta: m = meta(null, null) }: Cast) {
  const ballotId = randomUUID();
  const voterKey = `u.${randomUUID()}`;
  const data = { ballotId, pollId, voterKey, answers, meta: m, castAt };
  const result = await h.store.append(ballotStream(pollId, voterKey), [{ id: randomUUID(), type: 'BallotCast', data }], 'no_stream');
  return { ...result, ballotId, voterKey };
}

const onBallot = (pollId: string, b: { ballotId: string; voterKey: string }, type: string, data: Record<string, unknown>) =>
  h.store.append(ballotStream(pollId, b.voterKey), [{ id: randomUUID(), type, data: { ballotId: b.ballotId, pollId, ...data } }], 'stream_exists');

const change = (pollId: string, b: { ballotId: string; voterKey: string }, answers: Answer[]) =>
  onBallot(pollId, b, 'BallotChanged', { voterKey: b.voterKey, answers, previousAnswers: all4, meta: meta(null, null), changedAt: '2030-01-01T12:00:00.000Z' });

async function review(pollId: string, b: { ballotId: string; voterKey: string }, decision: 'uphold' | 'reject') {
  const flagId = randomUUID();
  await onBallot(pollId, b, 'BallotFlagged', { flagId, reasons: ['velocity'], flaggedBy: 'system', details: null, flaggedAt: '2030-01-03T00:00:00.000Z' });
  return onBallot(pollId, b, 'FlagReviewed', { flagId, decision, note: 'checked', reviewerId: 'reviewer-1', reviewedAt: '2030-01-03T01:00:00.000Z' });
}

const rowsOf = sql.type(z.object({ row: z.string() }));
/** Every analytics row of the poll as JSON text, for comparing runs. */
async function dump(pollId: string): Promise<string[]> {
  const tables = ['analytics_polls', 'analytics_ballots', 'analytics_breakdowns', 'analytics_series'];
  const rows = await Promise.all(
    tables.map((t) => h.sql.any(rowsOf`SELECT to_jsonb(x)::text AS row FROM ${sql.identifier(['read', t])} x WHERE poll_id = ${pollId} ORDER BY 1`)),
  );
  return rows.flat().map((r) => r.row);
}

describe('analytics projection', () => {
  it('turns casts and changes into exact figures, buckets in UTC, response times from the client-supplied start', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId, OPENED);
    const first = await cast(pollId, { castAt: '2030-01-01T10:00:30.000Z', meta: meta('desktop', 'US', 30) });
    const second = await cast(pollId, { castAt: '2030-01-01T10:00:45.500Z', answers: all4.slice(0, 2), meta: meta('mobile', 'GB', 45) });
    await cast(pollId, { castAt: '2030-01-01T11:15:00.000Z', answers: all4.slice(3) }); // meta of an older event: nulls, untimed
    const { position } = await change(pollId, second, all4.slice(0, 3));
    await projections.waitForPosition(position);

    // answered 4 + 3 + 1 of 3 × 4 questions; response 30 s and 45 s (the third ballot has none)
    expect(await getAnalytics(h.sql, pollId)).toEqual({
      pollId,
      totalBallots: 3,
      uniqueVoters: 3,
      completionRate: 0.6667,
      avgResponseSeconds: 37.5,
      medianResponseSeconds: 37.5,
      // continuous: 30 + 0.9 × (45 - 30)
      p90ResponseSeconds: 43.5,
      timedBallots: 2,
      // q-single, q-multi, q-ranked: first and (changed) second; q-rating: first and third
      questions: dropOff(3, [2, 2, 2, 2]),
      timeSeries: [
        { bucket: '2030-01-01T10:00:00.000Z', ballots: 2 },
        { bucket: '2030-01-01T11:15:00.000Z', ballots: 1 },
      ],
      devices: { desktop: 1, mobile: 1, unknown: 1 },
      countries: { GB: 1, US: 1, unknown: 1 },
    });
    expect((await getAnalytics(h.sql, pollId, 'hour'))?.timeSeries).toEqual([
      { bucket: '2030-01-01T10:00:00.000Z', ballots: 2 },
      { bucket: '2030-01-01T11:00:00.000Z', ballots: 1 },
    ]);
    const ballot = await h.sql.one(sql.type(z.object({ answered: z.number(), response_ms: z.bigint(), status: z.string(), device: z.string() }))`
      SELECT answered, response_ms, status, device FROM read.analytics_ballots WHERE ballot_id = ${first.ballotId}`);
    expect(ballot).toEqual({ answered: 4, response_ms: 30_000n, status: 'counted', device: 'desktop' });
    expect(await getAnalytics(h.sql, 'no-such-poll')).toBeNull();
  });

  it('does not time a ballot from the poll opening: without a client start it is untimed', async () => {
    const { pollId } = await createPoll(h.store, { settings: { startsAt: '2030-01-01T10:30:00.000Z' } });
    await openPoll(h.store, pollId, OPENED);
    const { position } = await cast(pollId, { castAt: '2030-01-01T10:31:00.000Z', meta: { ...meta(null, null), responseSeconds: null } });
    await projections.waitForPosition(position);
    expect(await getAnalytics(h.sql, pollId)).toMatchObject({
      totalBallots: 1, completionRate: 1, avgResponseSeconds: null, medianResponseSeconds: null, p90ResponseSeconds: null, timedBallots: 0,
      questions: dropOff(1, [1, 1, 1, 1]),
    });
  });

  it('leaves out ballots after the close and rejected ballots; an upheld flag changes nothing', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId, OPENED);
    const kept = await cast(pollId, { castAt: '2030-01-01T10:01:00.000Z', meta: meta('mobile', 'JP', 60) });
    const rejected = await cast(pollId, { castAt: '2030-01-01T10:02:00.000Z', answers: all4.slice(0, 1), meta: meta('bot', 'US', 5) });
    await closePoll(h.store, pollId);
    // a ballot the vote path let through after the close (a cached poll), and a change after it
    const late = await cast(pollId, { castAt: '2030-01-02T11:00:00.000Z', meta: meta('desktop', 'DE') });
    await change(pollId, kept, all4.slice(0, 1));
    await review(pollId, kept, 'uphold');
    const { position } = await review(pollId, rejected, 'reject');
    await projections.waitForPosition(position);

    expect(await getAnalytics(h.sql, pollId)).toEqual({
      pollId,
      totalBallots: 1,
      uniqueVoters: 1,
      completionRate: 1,
      avgResponseSeconds: 60,
      medianResponseSeconds: 60,
      p90ResponseSeconds: 60,
      timedBallots: 1,
      // the change after the close moves nothing: the kept ballot still answers all four
      questions: dropOff(1, [1, 1, 1, 1]),
      timeSeries: [{ bucket: '2030-01-01T10:01:00.000Z', ballots: 1 }],
      devices: { mobile: 1 },
      countries: { JP: 1 },
    });
    const statuses = await h.sql.any(sql.type(z.object({ ballot_id: z.string(), status: z.string() }))`
      SELECT ballot_id, status FROM read.analytics_ballots WHERE poll_id = ${pollId}`);
    expect(Object.fromEntries(statuses.map((r) => [r.ballot_id, r.status]))).toEqual({
      [kept.ballotId]: 'counted',
      [rejected.ballotId]: 'rejected',
      [late.ballotId]: 'after-close',
    });
  });

  it('is idempotent: events handed in again change nothing, and a replay from 0 rebuilds the same rows', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId, OPENED);
    const voters = [];
    for (let i = 0; i < 5; i++) {
      voters.push(await cast(pollId, { castAt: `2030-01-01T10:0${i}:00.000Z`, answers: all4.slice(0, 1 + (i % 4)), meta: meta(i % 2 ? 'mobile' : 'desktop', 'CH') }));
    }
    await change(pollId, voters[0]!, all4);
    await review(pollId, voters[1]!, 'reject');
    await closePoll(h.store, pollId);
    const { position: head } = await cast(pollId, { castAt: '2030-01-02T12:00:00.000Z' });
    await projections.waitForPosition(head);
    const before = await dump(pollId);
    expect(before.length).toBeGreaterThan(15);
    // answered: 4 (changed) + 3 + 4 + 1 of 4 × 4; the rejected ballot and the late one are out
    expect(await getAnalytics(h.sql, pollId)).toMatchObject({ totalBallots: 4, uniqueVoters: 4, completionRate: 0.75, devices: { desktop: 3, mobile: 1 } });

    // Two runners during a deploy: the same events applied again, without the checkpoint's help.
    const { events } = await h.store.readAll({ from: 0n, limit: 10_000, categories: analytics.categories });
    await h.sql.transaction(async (tx) => {
      await useSchema(tx);
      await analytics.handle(events, tx);
    });
    expect(await dump(pollId)).toEqual(before);

    await projections.stop();
    await resetProjection(h.sql, analytics);
    expect(await dump(pollId)).toEqual([]);
    const replay = new ProjectionRunner({ store: h.store, sql: h.sql, logger: silentLogger, projection: analytics, ...fastRunner, batchSize: 3 });
    replay.start();
    try {
      await replay.waitForPosition(head);
      expect(await dump(pollId)).toEqual(before);
    } finally {
      await replay.stop();
    }
  });
});
