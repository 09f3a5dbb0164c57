import { createHmac, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollKey } from '../../src/adapters/voter-keys.ts';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { dumpDatabase } from '../support/dump-database.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * The attacker holds a dump of the database (every row of every table, read with SQL) and the
 * list of accounts, and wants to know who cast which anonymous ballot, or which ballots of two
 * polls are the same person's. They try every string in the dump as an HMAC key, the way voter
 * keys are derived, and every stored value that is equal across the two polls. Nothing may match;
 * the same method given the operator's key (outside the database) must match every ballot, which
 * proves the method would have found a link had there been one.
 */
const VOTERS = 6;

let t: TestApp;
let voters: Caller[];
let polls: any[];
let dump: Map<string, Record<string, unknown>[]>;

const userAgent = (i: number) => `Mozilla/5.0 (X11; Rare Linux ${i}) Firefox/${100 + i}`; // each voter's browser is unique

beforeAll(async () => {
  t = await createTestApp();
  const organizer = await callerWith(t, 'organizer');
  polls = [await openedPoll(t.app, organizer, { anonymous: true }), await openedPoll(t.app, organizer, { anonymous: true })];
  voters = await Promise.all(Array.from({ length: VOTERS }, () => callerWith(t)));
  for (const poll of polls) {
    for (const [i, voter] of voters.entries()) {
      const cast = await call(t.app, {
        method: 'POST',
        url: `/api/polls/${poll.pollId}/ballots`,
        caller: voter,
        headers: { 'user-agent': userAgent(i) },
        payload: { answers: answersFor(poll) },
      });
      expect(cast.status).toBe(201);
    }
  }
  await t.services.readModelsAt(await committedHead(t.services));
  dump = await dumpDatabase(t.db.url);
}, 120_000);
afterAll(async () => {
  await t?.close();
});


/** Every string anywhere in the dump, nested JSON included: each one a candidate key or link. */
function strings(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') out.add(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

const allStrings = () => strings([...dump.values()]);
const hmac = (key: string | Buffer | KeyObject, value: string) => createHmac('sha256', key).update(value).digest('hex');

/** Voter keys as the attacker guesses them: with the derivation of src/commands/ballots/voter-key.ts, and simpler ones. */
function guesses(key: string | Buffer | KeyObject, pollId: string, userId: string): string[] {
  return [hmac(createHmac('sha256', key).update(`poll:${pollId}`).digest(), userId), hmac(key, userId), hmac(key, `${pollId}:${userId}`)];
}

/** Which account the stored strings name through a voter key derived with one of `keys`. */
function relinked(keys: Iterable<string | Buffer | KeyObject>, stored: Set<string>) {
  const found: string[] = [];
  for (const key of keys) {
    for (const poll of polls) {
      for (const voter of voters) {
        if (guesses(key, poll.pollId, voter.userId).some((g) => stored.has(`a.${g}`) || stored.has(g) || stored.has(`ballot-${poll.pollId}-a.${g}`))) {
          found.push(`${poll.pollId}/${voter.userId}`);
        }
      }
    }
  }
  return found;
}

/** Every stored ballot row of a poll, flattened: table.column(.field) → value, one entry per ballot. */
const TIMING = /(response_ms|responseMs|_at|At|recorded_at|position|Position)$/;

function ballotRows(pollId: string): Map<string, string>[] {
  const rows: Map<string, string>[] = [];
  const flatten = (prefix: string, value: unknown, into: Map<string, string>) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) flatten(`${prefix}.${k}`, v, into);
    // Timing (when, how long after the poll opened) is a link this guarantee does not cover, as the
    // README says; two ballots that merely took the same milliseconds are not one voter.
    else if (value !== null && value !== undefined && !TIMING.test(prefix)) into.set(prefix, JSON.stringify(value));
  };
  for (const [table, list] of dump) {
    for (const row of list) {
      const text = JSON.stringify(row);
      if (!text.includes(pollId) || !/ballot/i.test(`${table} ${String(row.type ?? '')} ${String(row.stream ?? '')}`)) continue;
      const into = new Map<string, string>();
      flatten(table, row, into);
      rows.push(into);
    }
  }
  return rows;
}

/** Values that single out one ballot in each poll and are equal between them: a join. */
function joins(a: Map<string, string>[], b: Map<string, string>[]): string[] {
  const unique = (rows: Map<string, string>[]) => {
    const seen = new Map<string, number>();
    for (const row of rows) for (const [column, value] of row) seen.set(`${column}=${value}`, (seen.get(`${column}=${value}`) ?? 0) + 1);
    return new Set([...seen].filter(([, n]) => n === 1).map(([k]) => k));
  };
  const inB = unique(b);
  return [...unique(a)].filter((k) => inB.has(k));
}

describe('a database dump cannot relink anonymous ballots', () => {
  it('the read model stores no account for an anonymous ballot', () => {
    const ballots = dump.get('read.ballots')!;
    expect(ballots).toHaveLength(VOTERS * polls.length);
    expect(ballots.every((b) => b.account_id === null)).toBe(true);
    // The account's own history (its user stream, its credentials) names it; nothing else may.
    const elsewhere = [...dump.entries()]
      .filter(([name]) => !/credential|user|email_verification/i.test(name))
      .map(([name, rows]) => [name, name === 'public.events' ? rows.filter((row) => !String(row.stream).startsWith('user-')) : rows] as const);
    for (const voter of voters) {
      expect(elsewhere.filter(([, rows]) => JSON.stringify(rows).includes(voter.userId)).map(([name]) => name)).toEqual([]);
    }
  });

  it('no key found in the database recomputes any voter key', () => {
    const stored = allStrings();
    const candidates = [...stored].filter((s) => s.length >= 16);
    expect(candidates.length).toBeGreaterThan(100); // the dump really was searched
    expect(relinked(candidates, stored)).toEqual([]);
    expect(dump.get('public.secrets')!.map((r) => r.name)).not.toContain('identity-hmac');
  });

  it('no stored value singles out the same voter in both polls', () => {
    const [a, b] = polls.map((p) => ballotRows(p.pollId));
    expect(a!.length).toBeGreaterThanOrEqual(VOTERS);
    expect(joins(a!, b!)).toEqual([]);
  });

  it('the operator, holding the key file, can recompute every voter key and user-agent hash (the method works)', () => {
    const stored = allStrings();
    const keys = t.services.secrets.voterKeys;
    const operatorKey = keys.key(keys.current);
    expect(relinked([operatorKey], stored)).toHaveLength(VOTERS * polls.length);
    // With the per-poll user-agent hash recomputed, the join finds every voter: what a global hash would have given a dump.
    const [a, b] = polls.map((p) => {
      const k = pollKey(keys, p);
      return ballotRows(p.pollId).map((row) => {
        const [column, hash] = [...row].find(([c]) => c.endsWith('.userAgentHash')) ?? [];
        const i = Array.from({ length: VOTERS }, (_, n) => n).find((n) => JSON.stringify(hmac(k, `ua:${userAgent(n)}`).slice(0, 16)) === hash);
        return i === undefined ? row : new Map([...row, [`${column}#browser`, String(i)]]);
      });
    });
    const linked = joins(a!, b!).filter((j) => j.includes('#browser='));
    expect(new Set(linked.map((j) => j.split('=')[1])).size).toBe(VOTERS);
  });
});
