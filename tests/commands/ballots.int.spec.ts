import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { castBallot } from '../../src/commands/ballots/cast-ballot.ts';
import { changeBallot } from '../../src/commands/ballots/change-ballot.ts';
import type { CommandDeps } from '../../src/commands/command-deps.ts';
import type { EventStore } from '../../src/event-store/port.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { closePoll } from '../../src/commands/polls/close-poll.ts';
import { createPoll } from '../../src/commands/polls/create-poll.ts';
import { issueVoteTokens } from '../../src/commands/polls/issue-vote-tokens.ts';
import { openPoll } from '../../src/commands/polls/open-poll.ts';
import { recordMilestone } from '../../src/commands/polls/record-milestone.ts';
import { PollCache } from '../../src/adapters/poll-cache/poll-cache.ts';
import { DEFAULT_POLL_SETTINGS } from '../../src/domain/poll/commands.ts';
import type { PollDefinition, PollSettings } from '../../src/domain/poll/definition.ts';
import { answersFor, codeOf, context, organizer } from '../support/commands.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import type { DatabasePool } from 'slonik';
import { voteTokenRegistry } from '../../src/adapters/vote-tokens/index.ts';
import { createSqlPool } from '../../src/db/slonik.ts';

/**
 * The command side against the real postgres event store: the vote path's guarantees that no
 * unit test can show (one ballot per voter under concurrency, no ballot counted after close,
 * across two processes' caches).
 */
let db: TestDatabase;
let store: PostgresEventStore;
let sqlPool: DatabasePool;
const caches: PollCache[] = [];


async function depsWithOwnCache(over: EventStore = store): Promise<CommandDeps> {
  const polls = new PollCache(over);
  await polls.start();
  caches.push(polls);
  return { store: over, polls, voteTokens: voteTokenRegistry(over, sqlPool), now: () => new Date(), newId: randomUUID };
}

/** The same log through a store that takes no fences (as KurrentDB): ballots then wait at the close gate. */
const withoutFences = (): EventStore => ({
  fences: false,
  append: (stream, events, expected, options) => (options?.fence ? Promise.reject(new Error('no fences here')) : store.append(stream, events, expected)),
  readStream: (stream, options) => store.readStream(stream, options),
  readAll: (options) => store.readAll(options),
  readAllHeads: (options) => store.readAllHeads(options),
  headPosition: () => store.headPosition(),
  subscribeToAll: (options) => store.subscribeToAll(options),
  close: async () => {},
});

/** Ballots that waited at the close gate (src/adapters/poll-cache) while `work` ran. */
async function gateWaits(work: () => Promise<unknown>): Promise<number> {
  let waits = 0;
  const count = () => waits++;
  diagnostics.subscribe('pollster:close-gate', count);
  try {
    await work();
  } finally {
    diagnostics.unsubscribe('pollster:close-gate', count);
  }
  return waits;
}

async function activePoll(deps: CommandDeps, settings: Partial<PollSettings> = {}): Promise<PollDefinition> {
  const { poll } = await createPoll(
    deps,
    organizer.kind === 'user' ? organizer.userId : '',
    {
      title: 'Lunch',
      questions: [{ text: 'Where?', kind: 'single', options: [{ text: 'Pizza' }, { text: 'Sushi' }] }],
      settings: { ...DEFAULT_POLL_SETTINGS, ...settings },
    },
    context(),
  );
  await openPoll(deps, poll.pollId, organizer, context());
  return poll;
}

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore({ connectionString: db.url });
  sqlPool = await createSqlPool(db.url, { maximumPoolSize: 2 });
});

afterAll(async () => {
  await Promise.all(caches.map((c) => c.stop()));
  await sqlPool.end();
  await store.close();
  await db.drop();
});

describe('castBallot', () => {
  it('records a ballot and answers with its id, receipt and log position', async () => {
    const deps = await depsWithOwnCache();
    const poll = await activePoll(deps);
    const receipt = await castBallot(deps, { pollId: poll.pollId, voterKey: 'u.alice', answers: answersFor(poll) }, context());
    const [stored] = await store.readStream(`ballot-${poll.pollId}-u.alice`);
    expect(stored).toMatchObject({ type: 'BallotCast', position: receipt.position, data: { ballotId: receipt.ballotId } });
    expect(receipt.receipt).toMatch(/^[\w-]{43}$/);
  });

  it('200 concurrent ballots by one voter: exactly one is recorded, 199 are already-cast', async () => {
    const deps = await depsWithOwnCache();
    const poll = await activePoll(deps);
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, () =>
        codeOf(castBallot(deps, { pollId: poll.pollId, voterKey: 'u.bob', answers: answersFor(poll) }, context())),
      ),
    );
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'ballot.already-cast')).toHaveLength(199);
    expect(await store.readStream(`ballot-${poll.pollId}-u.bob`)).toHaveLength(1);
  });

  it('a retried command (same command id) returns the first result instead of already-cast', async () => {
    const deps = await depsWithOwnCache();
    const poll = await activePoll(deps);
    const retry = { ...context(), commandId: randomUUID() };
    const first = await castBallot(deps, { pollId: poll.pollId, voterKey: 'u.carol', answers: answersFor(poll) }, retry);
    const again = await castBallot(deps, { pollId: poll.pollId, voterKey: 'u.carol', answers: answersFor(poll) }, retry);
    expect(again).toEqual(first);
    expect(await codeOf(castBallot(deps, { pollId: poll.pollId, voterKey: 'u.carol', answers: answersFor(poll) }, context()))).toBe(
      'ballot.already-cast',
    );
  });

  it('refuses ballots once the poll is closed, and change-vote where the poll forbids it', async () => {
    const deps = await depsWithOwnCache();
    const poll = await activePoll(deps);
    await castBallot(deps, { pollId: poll.pollId, voterKey: 'u.dan', answers: answersFor(poll) }, context());
    expect(await codeOf(changeBallot(deps, { pollId: poll.pollId, voterKey: 'u.dan', answers: answersFor(poll, 1) }, context()))).toBe(
      'ballot.change-not-allowed',
    );
    await closePoll(deps, poll.pollId, organizer, context());
    expect(await codeOf(castBallot(deps, { pollId: poll.pollId, voterKey: 'u.erin', answers: answersFor(poll) }, context()))).toBe(
      'poll.not-active',
    );
  });

  it('changes a ballot where allowed, keeping its id', async () => {
    const deps = await depsWithOwnCache();
    const poll = await activePoll(deps, { allowChangeVote: true });
    const cast = await castBallot(deps, { pollId: poll.pollId, voterKey: 'u.fay', answers: answersFor(poll) }, context());
    const changed = await changeBallot(deps, { pollId: poll.pollId, voterKey: 'u.fay', answers: answersFor(poll, 1) }, context());
    expect(changed.ballotId).toBe(cast.ballotId);
    expect(changed.position).toBeGreaterThan(cast.position);
    expect((await store.readStream(`ballot-${poll.pollId}-u.fay`)).map((e) => e.type)).toEqual(['BallotCast', 'BallotChanged']);
  });

  it('accepts a vote token issued through another process', async () => {
    const issuer = await depsWithOwnCache();
    const voter = await depsWithOwnCache();
    const poll = await activePoll(issuer, { voterPolicy: 'token' });
    await voter.polls.get(poll.pollId); // cached before the tokens exist
    const { tokens } = await issueVoteTokens(issuer, poll.pollId, 2, organizer, context());
    const { createHash } = await import('node:crypto');
    const voterKey = `t.${createHash('sha256').update(tokens[0]!).digest('hex')}`;
    expect(await codeOf(castBallot(voter, { pollId: poll.pollId, voterKey, answers: answersFor(poll) }, context()))).toBe('ok');
    expect(await codeOf(castBallot(voter, { pollId: poll.pollId, voterKey: 't.forged', answers: answersFor(poll) }, context()))).toBe(
      'ballot.invalid-vote-token',
    );
  });
});

describe('a stuck log horizon', () => {
  it('does not hang ballots: after the catch-up timeout the poll stream is read directly', async () => {
    const deps = await depsWithOwnCache();
    const poll = await activePoll(deps);
    const impatient = new PollCache(store, { catchUpTimeoutMs: 200 });
    await impatient.start();
    caches.push(impatient);
    // A transaction that took an id and stays open holds every $all reader back.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT pg_current_xact_id()');
    try {
      const started = Date.now();
      const voting = { ...deps, polls: impatient };
      await castBallot(voting, { pollId: poll.pollId, voterKey: 'u.patient', answers: answersFor(poll) }, context());
      expect(Date.now() - started).toBeLessThan(2_000);
      // The first ballot paid the timeout; while the stall lasts, later ones do not wait for it.
      const followers = Date.now();
      for (let i = 0; i < 20; i++) {
        await castBallot(voting, { pollId: poll.pollId, voterKey: `u.after${i}`, answers: answersFor(poll) }, context());
      }
      expect(Date.now() - followers).toBeLessThan(20 * 200);
      await closePoll(deps, poll.pollId, organizer, context());
      expect(await codeOf(castBallot(voting, { pollId: poll.pollId, voterKey: 'u.late', answers: answersFor(poll) }, context()))).toBe(
        'poll.not-active',
      );
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  });
});

describe('a poll written to between a ballot\'s decision and its append (fenced appends)', () => {
  /** A voting process whose cache saw the poll once and has not read on (its tail not started). */
  async function staleVoter(pollId: string) {
    const polls = new PollCache(store);
    await polls.get(pollId);
    let rereads = 0;
    const refresh = polls.refresh.bind(polls);
    polls.refresh = (id: string) => (rereads++, refresh(id));
    const deps: CommandDeps = { store, polls, voteTokens: voteTokenRegistry(store, sqlPool), now: () => new Date(), newId: randomUUID };
    return { deps, rereads: () => rereads };
  }

  it('a milestone or tokens issued meanwhile: the ballot is accepted as decided, not refused and decided again', async () => {
    const organizerSide = await depsWithOwnCache();
    const poll = await activePoll(organizerSide, { voterPolicy: 'token' });
    const voter = await staleVoter(poll.pollId);
    const { tokens } = await issueVoteTokens(organizerSide, poll.pollId, 2, organizer, context());
    await recordMilestone(organizerSide, { pollId: poll.pollId, milestone: 100, ballots: 100 }, context());
    const { createHash } = await import('node:crypto');
    const voterKey = `t.${createHash('sha256').update(tokens[0]!).digest('hex')}`;
    expect(await codeOf(castBallot(voter.deps, { pollId: poll.pollId, voterKey, answers: answersFor(poll) }, context()))).toBe('ok');
    expect(voter.rereads()).toBe(0);
  });

  it('the attack: a close meanwhile, even behind a milestone: refused, and nothing written', async () => {
    const closer = await depsWithOwnCache();
    const poll = await activePoll(closer);
    const voter = await staleVoter(poll.pollId);
    await closePoll(closer, poll.pollId, organizer, context());
    await recordMilestone(closer, { pollId: poll.pollId, milestone: 100, ballots: 100 }, context()).catch(() => undefined);
    expect(await codeOf(castBallot(voter.deps, { pollId: poll.pollId, voterKey: 'u.late', answers: answersFor(poll) }, context()))).toBe('poll.not-active');
    expect(await store.readStream(`ballot-${poll.pollId}-u.late`)).toEqual([]);
    expect(voter.rereads()).toBe(1);
  });
});

describe('a bounded poll cache', () => {
  it('re-reads an evicted poll instead of assuming it open: fill the cache past its bound, close an evicted poll, cast → refused', async () => {
    const closer = await depsWithOwnCache();
    const small = new PollCache(store, { maxPolls: 3, catchUpTimeoutMs: 200 });
    await small.start();
    caches.push(small);
    const voting = { ...closer, polls: small };
    const target = await activePoll(closer);
    expect(await codeOf(castBallot(voting, { pollId: target.pollId, voterKey: 'u.early', answers: answersFor(target) }, context()))).toBe('ok');
    for (let i = 0; i < 5; i++) await small.get((await activePoll(closer)).pollId); // pushes the target out
    const closed = await closePoll(closer, target.pollId, organizer, context());
    expect(await codeOf(castBallot(voting, { pollId: target.pollId, voterKey: 'u.late', answers: answersFor(target) }, context()))).toBe(
      'poll.not-active',
    );
    // Evicted between a ballot's look at the poll and its check after the append: still closed.
    // (A ballot after the close, not the log's readable head: other databases' transactions on
    // the cluster can hold that below the close for longer than this cache's 200 ms catch-up.)
    for (let i = 0; i < 5; i++) await small.get((await activePoll(closer)).pollId);
    expect(await small.closedBefore(target.pollId, closed + 1n)).toBe(closed);
  });
});

for (const [how, fenced, over] of [['fenced appends', true, () => store], ['the close gate, on a store without fences', false, withoutFences]] as const) describe(`no ballot after close, across processes: ${how}`, () => {
  /**
   * Every `type` event answered ok lies before PollClosed; every refusal is poll-not-active and,
   * fenced, wrote nothing; at the close gate it may have been appended after the close, where the
   * counting rule ignores it.
   */
  async function expectClosedInOrder(pollId: string, voters: readonly string[], outcomes: readonly string[], type = 'BallotCast') {
    const [closed] = (await store.readStream(`poll-${pollId}`)).filter((e) => e.type === 'PollClosed');
    for (const [i, voterKey] of voters.entries()) {
      const written = (await store.readStream(`ballot-${pollId}-${voterKey}`)).find((e) => e.type === type);
      if (outcomes[i] === 'ok') expect(written!.position).toBeLessThan(closed!.position);
      else {
        expect(outcomes[i]).toBe('poll.not-active');
        if (written) expect(fenced ? 'written after a refusal' : written.position > closed!.position).toBe(fenced ? 'nothing written' : true);
      }
    }
  }

  it(fenced ? 'a ballot or its change is answered without waiting at the close gate' : 'every ballot and change waits at the close gate', async () => {
    const deps = await depsWithOwnCache(over());
    const poll = await activePoll(deps, { allowChangeVote: true });
    const voters = Array.from({ length: 20 }, (_, i) => `u.g${i}`);
    const casts = await gateWaits(() => Promise.all(voters.map((voterKey) => castBallot(deps, { pollId: poll.pollId, voterKey, answers: answersFor(poll) }, context()))));
    const changes = await gateWaits(() => Promise.all(voters.map((voterKey) => changeBallot(deps, { pollId: poll.pollId, voterKey, answers: answersFor(poll, 1) }, context()))));
    expect(deps.store.fences).toBe(fenced);
    expect([casts, changes]).toEqual(fenced ? [0, 0] : [20, 20]);
  });

  it('changes racing a close: every change accepted precedes PollClosed in the log; one refused wrote nothing after it', async () => {
    const closer = await depsWithOwnCache(over());
    const voting = await depsWithOwnCache(over());
    const poll = await activePoll(closer, { allowChangeVote: true });
    const voters = Array.from({ length: 96 }, (_, i) => `u.c${i}`);
    for (const voterKey of voters) await castBallot(voting, { pollId: poll.pollId, voterKey, answers: answersFor(poll) }, context());
    const change = (voterKey: string) => codeOf(changeBallot(voting, { pollId: poll.pollId, voterKey, answers: answersFor(poll, 1) }, context()));
    const before = voters.slice(0, 48).map(change);
    const closing = closePoll(closer, poll.pollId, organizer, context());
    const after = voters.slice(48).map(change);
    const outcomes = await Promise.all([...before, ...after]);
    await closing;
    await expectClosedInOrder(poll.pollId, voters, outcomes, 'BallotChanged');
  });

  it('every accepted ballot precedes PollClosed in the log; every ballot after it was refused', async () => {
    const closer = await depsWithOwnCache(over());
    const voting = await depsWithOwnCache(over()); // another process: learns of the close only from the log
    const poll = await activePoll(closer);
    await voting.polls.get(poll.pollId);
    // Voters keep arriving, 8 at a time, from before the close until 40 ballots after it returned,
    // so both sides of the race are exercised whatever the machine's speed.
    const voters: string[] = [];
    const outcomes: string[] = [];
    let closedAfter = -1;
    const vote = async () => {
      while ((closedAfter < 0 || voters.length < closedAfter + 40) && voters.length < 5_000) {
        // A refusal from the cache involves no I/O: yield, or the loop would starve the close.
        await new Promise((resolve) => setImmediate(resolve));
        const i = voters.length;
        voters.push(`u.v${i}`);
        outcomes[i] = await codeOf(castBallot(voting, { pollId: poll.pollId, voterKey: `u.v${i}`, answers: answersFor(poll) }, context()));
      }
    };
    const running = Promise.all(Array.from({ length: 8 }, vote));
    while (voters.length < 40) await new Promise((resolve) => setTimeout(resolve, 2));
    await closePoll(closer, poll.pollId, organizer, context());
    closedAfter = voters.length;
    await running;

    await expectClosedInOrder(poll.pollId, voters, outcomes);
    expect(outcomes).toContain('ok');
    // every ballot that started after ClosePoll returned was refused
    expect(outcomes.slice(closedAfter).every((o) => o === 'poll.not-active')).toBe(true);
  });

  it('a close racing bursts of 64 ballots fired in its own turn: no accepted ballot follows PollClosed', async () => {
    const closer = await depsWithOwnCache(over());
    const voting = await depsWithOwnCache(over()); // its cache learns of the close only from the log
    // The ballots of a burst share group commits and the tail's reads with one another; the close
    // lands between them, in the same or the other flusher's transaction.
    for (let round = 0; round < 4; round++) {
      const poll = await activePoll(closer);
      await voting.polls.get(poll.pollId);
      const burst = (from: number) => Array.from({ length: 64 }, (_, i) => `u.r${round}b${from + i}`);
      const cast = (voterKey: string) => codeOf(castBallot(voting, { pollId: poll.pollId, voterKey, answers: answersFor(poll) }, context()));
      const voters = [...burst(0), ...burst(64)];
      const before = burst(0).map(cast);
      const closing = closePoll(closer, poll.pollId, organizer, context());
      const after = burst(64).map(cast);
      const outcomes = await Promise.all([...before, ...after]);
      await closing;

      await expectClosedInOrder(poll.pollId, voters, outcomes);
    }
  });
});
