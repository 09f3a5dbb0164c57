import { describe, expect, it } from 'vitest';
import { ChallengeIssuer } from './challenge/puzzle.ts';
import { solveChallenge } from './challenge/solve.ts';
import { detect, withAccountAge } from './detect.ts';
import { InProcessVelocityCounter } from '../../adapters/velocity/in-process-velocity-counter.ts';
import { BallotScreen } from './screen-ballot.ts';
import type { VoterPolicy } from '../../domain/poll/definition.ts';
import { countsClientAddress, DEFAULT_FRAUD_SETTINGS, limitsFor } from './settings.ts';
import type { VelocityCounter, VelocityInput } from '../../adapters/velocity/velocity-counter.ts';

const limitsOf = (voterPolicy: VoterPolicy) =>
  limitsFor({ voterPolicy, fraudVelocityLimit: null, fraudVelocityWindowSeconds: null }, DEFAULT_FRAUD_SETTINGS);
const limits = limitsOf('account');
const counts = (prefixCount: number, fingerprintCount = 1) => ({ ipPrefix: '203.0.113.0/24', prefixCount, fingerprintCount, challenged: false });

describe('detect', () => {
  it('flags from the ballot past the limit on, not the one at it', () => {
    expect(detect(counts(50), limits)).toBeNull();
    expect(detect(counts(51), limits)).toMatchObject({ reasons: ['velocity'], details: { prefixCount: 51, velocityLimit: 50, windowSeconds: 600 } });
  });

  it('flags one client address casting for many voters on an open poll, alone or with velocity', () => {
    expect(detect(counts(3, 11), limitsOf('open'))?.reasons).toEqual(['fingerprint']);
    expect(detect(counts(60, 11), limitsOf('open'))?.reasons).toEqual(['velocity', 'fingerprint']);
  });

  it.each(['token', 'account', 'verified'] as const)('%s polls: a room on one address is not flagged up to the /24 limit, then velocity only', (policy) => {
    expect(limitsOf(policy).fingerprintLimit).toBe(0);
    expect(detect(counts(20, 20), limitsOf(policy))).toBeNull();
    expect(detect(counts(50, 50), limitsOf(policy))).toBeNull();
    const flag = detect(counts(51, 51), limitsOf(policy));
    expect(flag).toEqual({ reasons: ['velocity'], details: { ipPrefix: '203.0.113.0/24', prefixCount: 51, velocityLimit: 50, windowSeconds: 600, challengeSolved: false } });
  });

  it('open polls: up to 10 voters per address pass, the 11th is flagged fingerprint with its counts', () => {
    expect(countsClientAddress('open')).toBe(true);
    expect(detect(counts(10, 10), limitsOf('open'))).toBeNull();
    expect(detect(counts(11, 11), limitsOf('open'))).toMatchObject({ reasons: ['fingerprint'], details: { fingerprintCount: 11, fingerprintLimit: 10 } });
  });

  it('adds new-account only to a flag raised for another reason', () => {
    const flag = detect(counts(51), limits)!;
    expect(withAccountAge(flag, 120, limits)).toMatchObject({ reasons: ['velocity', 'new-account'], details: { accountAgeSeconds: 120 } });
    expect(withAccountAge(flag, 3600, limits).reasons).toEqual(['velocity']);
    expect(withAccountAge(flag, null, limits).reasons).toEqual(['velocity']);
  });

  it('takes a poll’s own limit and window', () => {
    expect(limitsFor({ voterPolicy: 'token', fraudVelocityLimit: 5, fraudVelocityWindowSeconds: 60 }, DEFAULT_FRAUD_SETTINGS)).toMatchObject({ velocityLimit: 5, windowSeconds: 60 });
  });
});

describe('challenge', () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const issuer = new ChallengeIssuer('k'.repeat(43), { maxNumber: 5_000, ttlSeconds: 60 });

  it('verifies a solved puzzle, with its expiry as the time to remember it', async () => {
    const puzzle = await issuer.issue(now);
    const verified = await issuer.verify(await solveChallenge(puzzle), now);
    expect(verified).toEqual({ ok: true, id: puzzle.challenge, expiresAtMs: now.getTime() + 60_000 });
  });

  it('takes the payload as the ALTCHA widget sends it (with its `took`), and only that puzzle’s fields', async () => {
    const puzzle = await issuer.issue(now);
    const solved = JSON.parse(Buffer.from(await solveChallenge(puzzle), 'base64').toString());
    expect(solved).toHaveProperty('took');
    expect(await issuer.verify(Buffer.from(JSON.stringify({ ...solved, extra: 1 })).toString('base64'), now)).toMatchObject({ ok: true, id: puzzle.challenge });
  });

  it('refuses expired, forged, unsolved and malformed solutions', async () => {
    const puzzle = await issuer.issue(now);
    const solved = JSON.parse(Buffer.from(await solveChallenge(puzzle), 'base64').toString());
    const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64');
    expect(await issuer.verify(encode(solved), new Date(now.getTime() + 61_000))).toMatchObject({ ok: false, problem: 'the challenge has expired' });
    expect(await new ChallengeIssuer('other', { maxNumber: 5_000, ttlSeconds: 60 }).verify(encode(solved), now)).toMatchObject({ ok: false });
    expect(await issuer.verify(encode({ ...solved, number: solved.number + 1 }), now)).toMatchObject({ ok: false, problem: expect.stringContaining('the challenge is not solved') });
    expect(await issuer.verify(encode({ ...solved, salt: solved.salt.replace(/expires=\d+/, 'expires=9999999999') }), now)).toMatchObject({ ok: false });
    expect(await issuer.verify('%%%', now)).toMatchObject({ ok: false });
  });
});

describe('BallotScreen', () => {
  const poll = (fraudVelocityLimit: number | null) => ({ pollId: 'p1', settings: { fraudVelocityLimit, fraudVelocityWindowSeconds: null } }) as never;
  const issuer = new ChallengeIssuer('key', { maxNumber: 1_000, ttlSeconds: 60 });
  const facts = { ipPrefix: '203.0.113.0/24', fingerprint: 'f' };

  it('skips the check (and says so) when the counter fails or hangs', async () => {
    const down: VelocityCounter = { record: async () => Promise.reject(new Error('ECONNREFUSED')), release: async () => {}, knowsMarked: () => false };
    const hung: VelocityCounter = { record: () => new Promise(() => {}), release: async () => {}, knowsMarked: () => false };
    const settings = { ...DEFAULT_FRAUD_SETTINGS, checkTimeoutMs: 20 };
    expect(await new BallotScreen(down, issuer, settings).screen(poll(null), 'b1', facts, new Date())).toMatchObject({ status: 'skipped' });
    expect(await new BallotScreen(hung, issuer, settings).screen(poll(null), 'b1', facts, new Date())).toMatchObject({ status: 'skipped' });
  });

  it('asks the counter about the client address on open polls only', async () => {
    const asked: Array<string | null> = [];
    const spy: VelocityCounter = {
      record: async (input) => { asked.push(input.fingerprint); return { kind: 'counted', prefixCount: 1, fingerprintCount: 1, challenged: false }; },
      release: async () => {},
      knowsMarked: () => false,
    };
    const screen = new BallotScreen(spy, issuer, DEFAULT_FRAUD_SETTINGS);
    for (const voterPolicy of ['open', 'token', 'account', 'verified']) {
      await screen.screen({ pollId: 'p1', settings: { voterPolicy, fraudVelocityLimit: null, fraudVelocityWindowSeconds: null } } as never, 'b1', facts, new Date());
    }
    expect(asked).toEqual(['f', null, null, null]);
  });

  it('counts a hash of the voter key, and releases exactly what it recorded; a failing release is only logged', async () => {
    const recorded: VelocityInput[] = [];
    const released: VelocityInput[] = [];
    const counter: VelocityCounter = {
      record: async (input) => { recorded.push(input); return { kind: 'counted', prefixCount: 1, fingerprintCount: 0, challenged: false }; },
      release: async (input) => { released.push(input); throw new Error('ECONNRESET'); },
      knowsMarked: () => false,
    };
    const warnings: string[] = [];
    const screen = new BallotScreen(counter, issuer, DEFAULT_FRAUD_SETTINGS, { warn: (_o, message) => warnings.push(message) });
    const screening = await screen.screen(poll(null), 'u.user-42', facts, new Date());
    expect(recorded[0]!.member).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(recorded)).not.toContain('user-42');
    if (screening.status !== 'checked') throw new Error(screening.status);
    await expect(screening.release()).resolves.toBeUndefined();
    expect(released).toEqual(recorded);
    expect(warnings).toHaveLength(1);
  });

  it('does nothing at all for a poll with limit 0', async () => {
    const never: VelocityCounter = { record: () => { throw new Error('must not be called'); }, release: () => { throw new Error('must not be called'); }, knowsMarked: () => false };
    expect(await new BallotScreen(never, issuer, DEFAULT_FRAUD_SETTINGS).screen(poll(0), 'b1', facts, new Date())).toEqual({ status: 'off' });
  });

  it('answers 428 with the way to a challenge once the prefix is marked', async () => {
    const screen = new BallotScreen(new InProcessVelocityCounter(), issuer, DEFAULT_FRAUD_SETTINGS);
    const now = new Date();
    for (let i = 0; i < 3; i++) await screen.screen(poll(2), `b${i}`, facts, now);
    await expect(screen.screen(poll(2), 'b9', facts, now)).rejects.toMatchObject({ kind: 'precondition-required', code: 'fraud.challenge-required' });
    const solved = await screen.screen(poll(2), 'b10', { ...facts, challenge: await solveChallenge(await issuer.issue(now)) }, now);
    expect(solved).toMatchObject({ status: 'checked', flag: { reasons: ['velocity'], details: { challengeSolved: true } } });
  });
});
