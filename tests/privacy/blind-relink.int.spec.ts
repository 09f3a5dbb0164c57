import { constants, createHmac, createPublicKey, type KeyObject, publicEncrypt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blindCredential, castWithCredential, fetchCredentialKey, issue, type BallotCredential } from '../../src/client/blind-credential.ts';
import { pollKey } from '../../src/adapters/voter-keys.ts';
import { answersFor, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import { dumpDatabase } from '../support/dump-database.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * Blind credentials against the strongest attacker Pollster has: the operator, holding every
 * table of the database AND the keys kept outside it (the voter key ring, and with it the
 * unsealed signing key of the poll), AND every blinded message it was sent. Several voters get a
 * credential, then vote in another order. The attacker must not be able to say whose ballot is
 * whose: no stored value joins an issuance to a ballot, no key recomputes a ballot's voter key
 * from an account, and the signing key itself fits every pairing of issuance and ballot equally.
 * Timing (log positions, times) is left out on purpose: it is a link the README says this does
 * not cover, which is why the voters here vote in shuffled order.
 */
const VOTERS = 6;

let t: TestApp;
let poll: any;
let voters: Caller[];
let blinded: Map<string, Buffer>; // userId → the blinded message the server signed for it
let credentials: Map<string, BallotCredential>;
let dump: Map<string, Record<string, unknown>[]>;

const userAgent = (i: number) => `Mozilla/5.0 (X11; Rare Linux ${i}) Firefox/${100 + i}`;

beforeAll(async () => {
  t = await createTestApp();
  const baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  const organizer = await callerWith(t, 'organizer');
  poll = await openedPoll(t.app, organizer, { anonymous: true, anonymity: 'blind' });
  voters = await Promise.all(Array.from({ length: VOTERS }, () => callerWith(t)));
  blinded = new Map();
  credentials = new Map();
  const key = await fetchCredentialKey({ baseUrl, pollId: poll.pollId });
  for (const [i, voter] of voters.entries()) {
    const withAgent: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'user-agent': userAgent(i) } });
    const pending = await blindCredential(poll.pollId, key);
    blinded.set(voter.userId, Buffer.from(pending.blindedMessage, 'base64url'));
    credentials.set(voter.userId, await issue({ baseUrl, pollId: poll.pollId, fetch: withAgent, accessToken: voter.headers.authorization!.slice(7), key, pending }));
  }
  const order = [...voters.keys()].sort(() => Math.random() - 0.5);
  for (const i of order) {
    const withAgent: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), 'user-agent': userAgent(i) } });
    await castWithCredential({ baseUrl, pollId: poll.pollId, fetch: withAgent, credential: credentials.get(voters[i]!.userId)!, answers: answersFor(poll) });
  }
  await t.services.readModelsAt(await committedHead(t.services));
  dump = await dumpDatabase(t.db.url);
}, 120_000);
afterAll(async () => {
  await t?.close();
});


const TIMING = /(response_ms|responseMs|_at|At|recorded_at|position|Position|revision|transaction_id|xid)$/;

/** Each row as column(.field) → value, timing left out. */
function flatten(table: string, row: unknown): Map<string, string> {
  const into = new Map<string, string>();
  const walk = (prefix: string, value: unknown) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v);
    else if (value !== null && value !== undefined && !TIMING.test(prefix)) into.set(prefix, JSON.stringify(value));
  };
  walk(table, row);
  return into;
}

/** The rows an attacker attributes to issuances (they name an account and the poll) and to ballots. */
function sides() {
  const issuances: Map<string, string>[] = [];
  const ballots: Map<string, string>[] = [];
  for (const [table, rows] of dump) {
    for (const row of rows) {
      const text = JSON.stringify(row);
      if (!text.includes(poll.pollId)) continue;
      if (String(row.stream ?? '').startsWith('credential-')) issuances.push(flatten(table, row));
      else if (/ballot/i.test(`${table} ${String(row.type ?? '')} ${String(row.stream ?? '')}`)) ballots.push(flatten(table, row));
    }
  }
  return { issuances, ballots };
}

/** Values equal between one issuance and one ballot that single out each: a join. */
function joins(a: Map<string, string>[], b: Map<string, string>[]): string[] {
  const values = (rows: Map<string, string>[]) => {
    const count = new Map<string, number>();
    for (const row of rows) for (const value of new Set(row.values())) count.set(value, (count.get(value) ?? 0) + 1);
    return new Set([...count].filter(([, n]) => n === 1).map(([v]) => v));
  };
  const inB = values(b);
  return [...values(a)].filter((v) => inB.has(v));
}

const modPow = (base: bigint, exp: bigint, mod: bigint) => {
  let result = 1n;
  for (let b = base % mod, e = exp; e > 0n; e >>= 1n, b = (b * b) % mod) if (e & 1n) result = (result * b) % mod;
  return result;
};
const inverse = (a: bigint, n: bigint) => {
  let [r0, r1, s0, s1] = [n, ((a % n) + n) % n, 0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return ((s0 % n) + n) % n;
};
const toInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const toBytes = (value: bigint, length: number) => Buffer.from(value.toString(16).padStart(length * 2, '0'), 'hex');

describe('a database dump, the operator\'s keys and the blinded messages cannot relink blind ballots', () => {
  it('every voter got a credential and every credential cast one ballot', () => {
    const { issuances, ballots } = sides();
    expect(issuances).toHaveLength(VOTERS);
    expect(dump.get('read.ballots')!.filter((b) => JSON.stringify(b).includes(poll.pollId))).toHaveLength(VOTERS);
    expect(ballots.length).toBeGreaterThanOrEqual(VOTERS);
  });

  it('no account appears anywhere but in its own history and its issuance', () => {
    const elsewhere = [...dump.entries()]
      .filter(([name]) => !/credential|user|email_verification/i.test(name))
      .map(([name, rows]) => [name, name === 'public.events' ? rows.filter((r) => !/^(user|credential)-/.test(String(r.stream))) : rows] as const);
    for (const voter of voters) expect(elsewhere.filter(([, rows]) => JSON.stringify(rows).includes(voter.userId)).map(([n]) => n)).toEqual([]);
  });

  it('no stored value joins an issuance to a ballot', () => {
    const { issuances, ballots } = sides();
    expect(joins(issuances, ballots)).toEqual([]);
    // The method finds a join when there is one: the issuance rows single out their account.
    expect(joins(issuances, issuances.map((row) => new Map([...row].filter(([c]) => /accountId|stream/.test(c)))))).not.toEqual([]);
  });

  it('no key, the operator\'s included, recomputes a ballot\'s voter key from an account', () => {
    const stored = new Set<string>();
    const collect = (v: unknown): void => {
      if (typeof v === 'string') stored.add(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect([...dump.values()]);
    const keys = t.services.secrets.voterKeys;
    const candidates: (string | Buffer | KeyObject)[] = [...[...stored].filter((s) => s.length >= 16), keys.key(keys.current), pollKey(keys, poll)];
    const hmac = (key: string | Buffer | KeyObject, value: string) => createHmac('sha256', key).update(value).digest('hex');
    const found = voters.flatMap((voter) => candidates.filter((key) =>
      [hmac(key, voter.userId), hmac(key, `${poll.pollId}:${voter.userId}`)].some((g) => stored.has(`c.${g}`) || stored.has(`a.${g}`) || stored.has(g))));
    expect(found).toEqual([]);
  });

  it('with the signing key, every blinded message fits every ballot equally: the pairing is not in the numbers', async () => {
    const signer = await t.services.commands.credentialKeys!.signer((await t.services.commands.polls.get(poll.pollId) as any).poll);
    const spki = Buffer.from(poll.credentialKey.publicKey, 'base64url');
    const publicKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const jwk = publicKey.export({ format: 'jwk' });
    const n = toInt(Buffer.from(jwk.n!, 'base64url'));
    const e = toInt(Buffer.from(jwk.e!, 'base64url'));
    const length = Buffer.from(jwk.n!, 'base64url').length;
    // The encoded message each ballot's signature stands for: sig^e mod n.
    const encoded = [...credentials.values()].map((c) => toInt(publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, Buffer.from(c.signature, 'base64url'))));
    for (const m of blinded.values()) {
      for (const em of encoded) {
        // The blinding factor that would make this issuance this ballot: r = (m' / EM)^d. It exists for every pair.
        const r = toInt(signer.blindSign(toBytes((toInt(m) * inverse(em, n)) % n, length)));
        expect((modPow(r, e, n) * em) % n).toBe(toInt(m));
      }
    }
  });
});
