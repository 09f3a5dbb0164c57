import { createHash, randomUUID } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PollCache } from '../../src/adapters/poll-cache/poll-cache.ts';
import { CachedVoteTokenRegistry } from '../../src/adapters/vote-tokens/cached-registry.ts';
import type { VoteTokenRegistry } from '../../src/adapters/vote-tokens/port.ts';
import { PostgresVoteTokenRegistry } from '../../src/adapters/vote-tokens/postgres-registry.ts';
import { IssuedTokensInMemory } from '../../src/adapters/vote-tokens/tokens-in-memory.ts';
import { castBallot } from '../../src/commands/ballots/cast-ballot.ts';
import type { CommandDeps } from '../../src/commands/command-deps.ts';
import { createPoll } from '../../src/commands/polls/create-poll.ts';
import { issueVoteTokens } from '../../src/commands/polls/issue-vote-tokens.ts';
import { openPoll } from '../../src/commands/polls/open-poll.ts';
import { createSqlPool } from '../../src/db/slonik.ts';
import { DEFAULT_POLL_SETTINGS } from '../../src/domain/poll/commands.ts';
import type { PollDefinition } from '../../src/domain/poll/definition.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import { answersFor, codeOf, context, organizer } from '../support/commands.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

/**
 * Issued token hashes held in memory, fed by the poll cache: a ballot of an issued token is
 * decided without a lookup, and nothing else changes. Every case is a ballot through the real
 * command, against the real log: what memory holds may only ever save a lookup that would have
 * said yes; a forged token, another poll's token, one issued elsewhere a moment ago or one past
 * the budget gets exactly the answer of the log's own lookup.
 */
let db: TestDatabase;
let store: PostgresEventStore;
let sqlPool: DatabasePool;
const caches: PollCache[] = [];

const voterKeyOf = (token: string) => `t.${createHash('sha256').update(token).digest('hex')}`;

/** The log's lookup, counting what it is asked. */
function countingLookup(): VoteTokenRegistry & { asked: string[] } {
  const inner = new PostgresVoteTokenRegistry(sqlPool);
  const asked: string[] = [];
  return { asked, isIssued: (pollId, hash) => (asked.push(hash), inner.isIssued(pollId, hash)) };
}

/** A node: its own poll cache feeding its own tokens in memory, in front of `lookup`. */
async function node(lookup: VoteTokenRegistry, options: { maxHashes?: number; maxPolls?: number } = {}) {
  const tokens = new IssuedTokensInMemory(lookup, { maxHashes: options.maxHashes ?? 1_000 });
  const polls = new PollCache(store, { tokens, ...(options.maxPolls ? { maxPolls: options.maxPolls } : {}) });
  await polls.start();
  caches.push(polls);
  const deps: CommandDeps = { store, polls, voteTokens: tokens, now: () => new Date(), newId: randomUUID };
  return { deps, tokens };
}

async function tokenPoll(deps: CommandDeps): Promise<PollDefinition> {
  const { poll } = await createPoll(deps, organizer.kind === 'user' ? organizer.userId : '', {
    title: 'Budget',
    questions: [{ text: 'Which?', kind: 'single', options: [{ text: 'A' }, { text: 'B' }] }],
    settings: { ...DEFAULT_POLL_SETTINGS, voterPolicy: 'token' },
  }, context());
  await openPoll(deps, poll.pollId, organizer, context());
  return poll;
}

const vote = (deps: CommandDeps, poll: PollDefinition, voterKey: string) =>
  codeOf(castBallot(deps, { pollId: poll.pollId, voterKey, answers: answersFor(poll) }, context()));

beforeAll(async () => {
  db = await createTestDatabase();
  store = new PostgresEventStore({ connectionString: db.url });
  sqlPool = await createSqlPool(db.url, { maximumPoolSize: 2 });
});

afterAll(async () => {
  for (const cache of caches) await cache.stop();
  await sqlPool?.end();
  await store?.close();
  await db?.drop();
});

describe('issued tokens in memory', () => {
  it('a ballot of a token issued for a held poll asks no lookup', async () => {
    const lookup = countingLookup();
    const { deps, tokens } = await node(lookup);
    const poll = await tokenPoll(deps);
    const issued = await issueVoteTokens(deps, poll.pollId, 3, organizer, context());
    await deps.polls.refresh(poll.pollId);
    for (const token of issued.tokens) expect(await vote(deps, poll, voterKeyOf(token))).toBe('ok');
    expect(lookup.asked).toEqual([]);
    expect(tokens.size).toBe(3);
  });

  it('a node that meets a poll first through many ballots at once (a restart under load) holds its hashes all the same', async () => {
    const issuer = await node(countingLookup());
    const poll = await tokenPoll(issuer.deps);
    const { tokens: issued } = await issueVoteTokens(issuer.deps, poll.pollId, 20, organizer, context());
    const lookup = countingLookup();
    const fresh = await node(lookup); // its cache has never loaded the poll: each ballot below loads it at once
    expect(await Promise.all(issued.map((token) => vote(fresh.deps, poll, voterKeyOf(token))))).toEqual(issued.map(() => 'ok'));
    expect(fresh.tokens.size).toBe(20);
    expect(lookup.asked).toEqual([]);
  });

  it('a forged token, and a token of another poll, are asked of the log and refused', async () => {
    const lookup = countingLookup();
    const { deps } = await node(lookup);
    const [poll, other] = [await tokenPoll(deps), await tokenPoll(deps)];
    await issueVoteTokens(deps, poll.pollId, 1, organizer, context());
    const { tokens: [otherToken] } = await issueVoteTokens(deps, other.pollId, 1, organizer, context());
    await Promise.all([deps.polls.refresh(poll.pollId), deps.polls.refresh(other.pollId)]);
    const forged = voterKeyOf('forged');
    expect(await vote(deps, poll, forged)).toBe('ballot.invalid-vote-token');
    expect(await vote(deps, poll, voterKeyOf(otherToken!))).toBe('ballot.invalid-vote-token');
    // Not a hash at all: never held, asked of the log as before.
    expect(await vote(deps, poll, `t.${'Z'.repeat(64)}`)).toBe('ballot.invalid-vote-token');
    expect(lookup.asked).toEqual([forged.slice(2), voterKeyOf(otherToken!).slice(2), 'Z'.repeat(64)]);
  });

  it('a token issued through another node a moment ago counts at once: the lookup answers until the tail brings it', async () => {
    const lookup = countingLookup();
    const voter = await node(lookup);
    const issuer = await node(countingLookup());
    const poll = await tokenPoll(issuer.deps);
    await voter.deps.polls.get(poll.pollId); // held before the tokens exist
    const { tokens: [token] } = await issueVoteTokens(issuer.deps, poll.pollId, 1, organizer, context());
    // Whether or not this node's tail has read the issue yet, the ballot counts.
    expect(await vote(voter.deps, poll, voterKeyOf(token!))).toBe('ok');
    await expect.poll(() => voter.tokens.size, { timeout: 5_000 }).toBe(1);
  });

  it('a full budget gives the hashes of the poll voted in least recently to a poll issuing now; the poll that gave them up still votes, through the log', async () => {
    const lookup = countingLookup();
    const { deps, tokens } = await node(lookup, { maxHashes: 3 });
    const [a, b, c] = [await tokenPoll(deps), await tokenPoll(deps), await tokenPoll(deps)];
    const [fromA, fromB] = [await issueVoteTokens(deps, a.pollId, 2, organizer, context()), await issueVoteTokens(deps, b.pollId, 1, organizer, context())];
    await Promise.all([deps.polls.refresh(a.pollId), deps.polls.refresh(b.pollId)]);
    expect(tokens.size).toBe(3);
    expect(await vote(deps, a, voterKeyOf(fromA.tokens[0]!))).toBe('ok'); // a is now the poll used last; b the least recently
    const fromC = await issueVoteTokens(deps, c.pollId, 1, organizer, context());
    await deps.polls.refresh(c.pollId);
    expect(tokens.size).toBe(3); // b's one hash made room for c's
    expect(await vote(deps, a, voterKeyOf(fromA.tokens[1]!))).toBe('ok');
    expect(await vote(deps, c, voterKeyOf(fromC.tokens[0]!))).toBe('ok');
    expect(lookup.asked).toEqual([]);
    expect(await vote(deps, b, voterKeyOf(fromB.tokens[0]!))).toBe('ok');
    expect(lookup.asked).toEqual([voterKeyOf(fromB.tokens[0]!).slice(2)]);
  });

  it('past its budget a node holds no more hashes and asks the log for the rest; a poll leaving the cache frees its share', async () => {
    const lookup = countingLookup();
    const { deps, tokens } = await node(new CachedVoteTokenRegistry(lookup), { maxHashes: 2, maxPolls: 1 });
    const poll = await tokenPoll(deps);
    const issued = await issueVoteTokens(deps, poll.pollId, 3, organizer, context());
    await deps.polls.refresh(poll.pollId);
    expect(tokens.size).toBe(2);
    const results = [];
    for (const token of issued.tokens) results.push(await vote(deps, poll, voterKeyOf(token)));
    expect(results).toEqual(['ok', 'ok', 'ok']);
    expect(lookup.asked).toHaveLength(1); // the one hash past the budget
    // Another poll takes the cache's only place: the first poll's hashes go with it.
    const next = await tokenPoll(deps);
    await issueVoteTokens(deps, next.pollId, 1, organizer, context());
    await deps.polls.refresh(next.pollId);
    expect(tokens.size).toBe(1);
  });
});
