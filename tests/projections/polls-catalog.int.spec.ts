import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBallot, findFlag, getPoll, type Projections, startProjections } from '../../src/projections/index.ts';
import { pollDefinition } from '../../src/testing/poll-fixtures.ts';
import {
  lastAppended,
  castBallot, changeBallot, checkpointOf, closePoll, createPoll, fastRunner, flagBallot, type Harness, openHarness, openPoll,
  registerUser, reviewFlag, silentLogger,
} from './harness.ts';

/** Given events appended through the real store, polls-catalog writes exactly these rows. */
let h: Harness;
let projections: Projections;

beforeAll(async () => {
  h = await openHarness();
  projections = startProjections({ store: h.store, sql: h.sql, logger: silentLogger, runner: fastRunner });
});
afterAll(async () => {
  await projections?.stop();
  await h?.close();
});

describe('polls-catalog', () => {
  it('keeps a poll through its life, by id and by slug', async () => {
    const created = await createPoll(h.store, { organizerId: 'org-7', title: 'Lunch' });
    await projections.waitForPosition(created.position);
    const draft = await getPoll(h.sql, created.pollId);
    const { pollId: _, slug: __, organizerId: ___, title: ____, ...definition } = pollDefinition();
    expect(draft).toEqual({
      pollId: created.pollId,
      slug: created.slug,
      organizerId: 'org-7',
      title: 'Lunch',
      description: null,
      status: 'draft',
      settings: definition.settings,
      questions: definition.questions,
      createdAt: definition.createdAt,
      openedAt: null,
      closedAt: null,
      ballots: 0,
    });
    expect(await getPoll(h.sql, created.slug)).toEqual(draft);

    await openPoll(h.store, created.pollId);
    const { position } = await closePoll(h.store, created.pollId);
    await projections.waitForPosition(position);
    expect(await getPoll(h.sql, created.slug)).toMatchObject({
      status: 'closed',
      openedAt: '2030-01-01T10:00:00.000Z',
      closedAt: '2030-01-02T10:00:00.000Z',
    });
    expect(await getPoll(h.sql, 'no-such-poll')).toBeNull();
  });

  it('maps ballots and flags to their streams, and counts only ballots that precede the close', async () => {
    const { pollId } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const first = await castBallot(h.store, pollId);
    const second = await castBallot(h.store, pollId);
    await changeBallot(h.store, pollId, first.ballotId, first.voterKey);
    const flag = await flagBallot(h.store, pollId, second.ballotId, second.voterKey);
    await closePoll(h.store, pollId);
    const late = await castBallot(h.store, pollId); // a cached poll let it through after the close
    await projections.waitForPosition(late.position);

    expect((await getPoll(h.sql, pollId))?.ballots).toBe(2);
    const changed = await findBallot(h.sql, pollId, first.ballotId);
    expect(changed).toMatchObject({
      ballotId: first.ballotId,
      pollId,
      voterKey: first.voterKey,
      accountId: first.voterKey.slice(2),
      answers: [{ questionId: 'q-single', optionIds: ['o-sushi'] }],
      castAt: '2030-01-01T12:00:00.000Z',
      changedAt: '2030-01-01T13:00:00.000Z',
      castPosition: first.position,
    });
    expect(changed!.position).toBeGreaterThan(first.position);
    expect(await findBallot(h.sql, 'another-poll', first.ballotId)).toBeNull();
    expect((await findBallot(h.sql, pollId, late.ballotId))?.castPosition).toBe(late.position);

    const pending = await findFlag(h.sql, flag.flagId);
    expect(pending).toEqual({
      flagId: flag.flagId,
      ballotId: second.ballotId,
      pollId,
      voterKey: second.voterKey,
      reasons: ['velocity'],
      flaggedBy: 'system',
      details: { ipPrefix: '10.0.0.0/24' },
      flaggedAt: '2030-01-01T14:00:00.000Z',
      status: 'pending',
      reviewerId: null,
      note: null,
      reviewedAt: null,
    });
    const reviewed = await reviewFlag(h.store, pollId, second.ballotId, second.voterKey, flag.flagId);
    await projections.waitForPosition(reviewed.position);
    expect(await findFlag(h.sql, flag.flagId)).toMatchObject({
      status: 'rejected',
      reviewerId: 'reviewer-1',
      note: 'same /24 as 300 others',
      reviewedAt: '2030-01-01T15:00:00.000Z',
    });
  });

  it('waitForPosition resolves only after the event is applied, also for positions of other categories', async () => {
    const { pollId, position } = await createPoll(h.store);
    // Right after the append the row may or may not be there; after the wait it must be.
    await projections.waitForPosition(position);
    expect(await getPoll(h.sql, pollId)).not.toBeNull();
    expect(await checkpointOf(h.sql, 'polls-catalog')).toBeGreaterThanOrEqual(position);

    const user = await registerUser(h.store); // a category polls-catalog skips
    await projections.waitForPosition(user.position, { timeoutMs: 5_000 });

    const [status] = await projections.status();
    expect(status).toMatchObject({ name: 'polls-catalog', running: true, lag: { events: 0, capped: false, seconds: 0 } });
    expect(status!.through).toBeGreaterThanOrEqual(user.position);
  });

  it('waitForPosition times out with a 503-kind error when the position is not reached', async () => {
    const head = await lastAppended(h.sql);
    await expect(projections.waitForPosition(head + (1n << 40n), { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'projection.timeout',
      kind: 'unavailable',
    });
  });
});
