import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEEDED_PASSWORD, seedAccount } from '../support/accounts.ts';
import { ACCOUNTS, EVERYONE, READS_ALLOWED, rolesOf, type Who } from '../support/authorization-table.ts';
import { answersFor, call, callerWith, lunchPoll, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * Every operation × every role and anonymous: allowed (anything but 401/403) or denied (401
 * anonymous, 403 for an account without the right). "owner" is the organizer of the poll the
 * operation is about; "organizer" is another organizer. Then what a token must be to count at
 * all (a live account, the right shape, not revoked), what a session opened with a setup token
 * may do, and who sees a draft.
 */
interface Operation {
  id: string;
  allowed: readonly Who[];
  request: (poll: any) => { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: object | string; headers?: Record<string, string> };
  /** Ends the caller's sessions: run by a caller of its own, so the shared callers' tokens stay valid. */
  fresh?: boolean;
  /** Looks at no token at all (open to anyone, whatever the header says). */
  tokenless?: boolean;
}

const OPERATIONS: Operation[] = [
  { id: 'register', allowed: EVERYONE, tokenless: true, request: () => ({ method: 'POST', url: '/api/auth/register', payload: { email: `m${Math.random()}@example.org`, password: 'long enough password', displayName: 'M' } }) },
  { id: 'login', allowed: EVERYONE, tokenless: true, request: () => ({ method: 'POST', url: '/api/auth/login', payload: REGISTERED }) },
  { id: 'changePassword', allowed: ACCOUNTS, fresh: true, request: () => ({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: SEEDED_PASSWORD, newPassword: 'new password here' } }) },
  { id: 'logoutEverywhere', allowed: ACCOUNTS, fresh: true, request: () => ({ method: 'POST', url: '/api/auth/logout-everywhere' }) },
  { id: 'me', allowed: ACCOUNTS, request: () => ({ method: 'GET', url: '/api/me' }) },
  { id: 'verifyNationalId', allowed: ACCOUNTS, request: () => ({ method: 'POST', url: '/api/identity/verify', payload: { nationalId: '20000101103' } }) },
  { id: 'importUsers', allowed: ['admin'], request: () => ({ method: 'POST', url: '/api/admin/users/import', headers: { 'content-type': 'text/csv' }, payload: 'email,displayName\nx@example.org,X\n' }) },
  { id: 'getJob', allowed: ['admin'], request: () => ({ method: 'GET', url: '/api/admin/jobs/00000000-0000-4000-8000-000000000000' }) },
  { id: 'grantRole', allowed: ['admin'], request: () => ({ method: 'POST', url: '/api/admin/users/00000000-0000-4000-8000-000000000000/roles', payload: { role: 'analyst' } }) },
  { id: 'createPoll', allowed: ['owner', 'organizer', 'admin'], request: () => ({ method: 'POST', url: '/api/polls', payload: lunchPoll() }) },
  { id: 'getPoll', allowed: READS_ALLOWED.getPoll, request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}` }) },
  { id: 'listPolls', allowed: READS_ALLOWED.listPolls, request: () => ({ method: 'GET', url: '/api/polls' }) },
  { id: 'openPoll', allowed: ['owner', 'admin'], request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/open` }) },
  { id: 'closePoll', allowed: ['owner', 'admin'], request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/close` }) },
  { id: 'issueVoteTokens', allowed: ['owner', 'admin'], request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, payload: { count: 1 } }) },
  { id: 'castBallot', allowed: ACCOUNTS, request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, payload: { answers: answersFor(poll) } }) },
  { id: 'changeBallot', allowed: ACCOUNTS, request: (poll) => ({ method: 'PUT', url: `/api/polls/${poll.pollId}/ballots/mine`, payload: { answers: answersFor(poll) } }) },
  { id: 'getResults', allowed: READS_ALLOWED.getResults, request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/results` }) },
  { id: 'listAuditEvents', allowed: READS_ALLOWED.listAuditEvents, request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/audit/events` }) },
  { id: 'verifyPoll', allowed: ['admin', 'auditor'], request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/audit/verify` }) },
  { id: 'checkReceipt', allowed: EVERYONE, tokenless: true, request: () => ({ method: 'GET', url: `/api/receipts/${'A'.repeat(43)}` }) },
  { id: 'getAuditPublicKey', allowed: EVERYONE, tokenless: true, request: () => ({ method: 'GET', url: '/api/audit/public-key' }) },
  // Witnesses run on auditors' machines without an account: the feed and proofs are open to anyone.
  { id: 'listCheckpoints', allowed: EVERYONE, tokenless: true, request: () => ({ method: 'GET', url: '/api/audit/checkpoints' }) },
  { id: 'checkpointFeed', allowed: EVERYONE, tokenless: true, request: () => ({ method: 'GET', url: '/api/audit/checkpoints.jsonl' }) },
  { id: 'getReceiptProof', allowed: EVERYONE, tokenless: true, request: () => ({ method: 'GET', url: `/api/receipts/${'A'.repeat(43)}/proof?checkpoint=${'0'.repeat(64)}` }) },
  // A plain GET of the websocket route: 426 (upgrade required) once the viewer is let in. The SSE
  // route shares its access check (src/api/live/access.ts) and would stream instead of answering.
  { id: 'liveResults', allowed: READS_ALLOWED.liveResults, request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/live` }) },
  { id: 'getAnalytics', allowed: READS_ALLOWED.getAnalytics, request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/analytics` }) },
  { id: 'exportAnalyticsCsv', allowed: READS_ALLOWED.getAnalytics, request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/analytics.csv` }) },
  // Fraud review: the ids are unknown, so an allowed caller gets 404 (after the role check) and nothing changes.
  { id: 'listFlags', allowed: READS_ALLOWED.listFlags, request: () => ({ method: 'GET', url: '/api/review/flags' }) },
  { id: 'flagBallot', allowed: ['reviewer'], request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/ballots/00000000-0000-4000-8000-000000000000/flags`, payload: { reason: 'matrix' } }) },
  { id: 'reviewFlag', allowed: ['reviewer'], request: () => ({ method: 'POST', url: '/api/review/flags/00000000-0000-4000-8000-000000000000/decision', payload: { decision: 'reject', note: 'matrix' } }) },
  // The console's pages that turn the caller's own vote tokens into a CSV and a QR sheet (src/api/pages/console-routes.ts).
  { id: 'consoleLinksCsv', allowed: ['owner', 'admin'], request: (poll) => ({ method: 'POST', url: `/o/polls/${poll.pollId}/links.csv`, payload: { tokens: ['A'.repeat(22)] } }) },
  { id: 'consoleQrSheet', allowed: ['owner', 'admin'], request: (poll) => ({ method: 'POST', url: `/o/polls/${poll.pollId}/qr-sheet`, payload: { tokens: ['A'.repeat(22)] } }) },
];

const REGISTERED = { email: 'matrix@example.org', password: 'long enough password' };
let t: TestApp;
let owner: Caller;
const callers = new Map<Who, Caller | undefined>();
const bearer = (token: string): Caller => ({ userId: '', headers: { authorization: `Bearer ${token}` } });

beforeAll(async () => {
  t = await createTestApp();
  owner = await callerWith(t, 'organizer');
  await call(t.app, { method: 'POST', url: '/api/auth/register', payload: { ...REGISTERED, displayName: 'Matrix' } });
  callers.set('anonymous', undefined);
  callers.set('owner', owner);
  for (const role of ['voter', 'organizer', 'admin', 'auditor', 'analyst', 'reviewer'] as const) {
    callers.set(role, await callerWith(t, ...rolesOf(role)));
  }
});
afterAll(async () => t?.close());

describe.each(OPERATIONS)('$id', (operation) => {
  it.each(EVERYONE)('%s', async (who) => {
    const poll = await openedPoll(t.app, owner, { allowChangeVote: true });
    const caller = operation.fresh && who !== 'anonymous' ? await callerWith(t, ...rolesOf(who)) : callers.get(who);
    const { status } = await call(t.app, { ...operation.request(poll), caller });
    if (operation.allowed.includes(who)) expect([401, 403], `${operation.id} as ${who} got ${status}`).not.toContain(status);
    else expect(status, `${operation.id} as ${who}`).toBe(who === 'anonymous' ? 401 : 403);
  });
});

describe('a token counts only for a live account, in the right shape, not revoked', () => {
  const createPoll = (caller: Caller) => call(t.app, { method: 'POST', url: '/api/polls', caller, payload: lunchPoll() });
  const sign = (claims: object) => bearer(t.app.jwt.sign(claims as never));

  it('a validly signed token for an account that does not exist is 401 auth.unknown-account, roles and all', async () => {
    const forged = sign({ sub: randomUUID(), roles: ['voter', 'organizer', 'admin'], tokenVersion: 0 });
    expect(await createPoll(forged)).toMatchObject({ status: 401, body: { code: 'auth.unknown-account' } });
    // Where a token is optional, a bad one is still refused rather than read as anonymous.
    expect((await call(t.app, { method: 'GET', url: '/api/polls', caller: forged })).status).toBe(401);
  });

  it('claims of any other shape are 401 auth.invalid-token: roles as a string, unknown roles, no token version, a subject that is no id', async () => {
    const { userId } = await seedAccount(t.services, ['organizer']);
    const shapes = [
      { sub: userId, roles: 'admin', tokenVersion: 0 },
      { sub: userId, roles: ['voter', 'superuser'], tokenVersion: 0 },
      { sub: userId, roles: ['voter', 'admin'] },
      { sub: userId, roles: ['voter', 'admin'], tokenVersion: '0' },
      { sub: 'admin', roles: ['voter', 'admin'], tokenVersion: 0 },
      { sub: userId, roles: ['voter', 'admin'], tokenVersion: 0, scope: 'everything' },
    ];
    for (const claims of shapes) {
      expect(await createPoll(sign(claims)), JSON.stringify(claims)).toMatchObject({ status: 401, body: { code: 'auth.invalid-token' } });
    }
    expect((await createPoll(sign({ sub: userId, roles: ['voter', 'organizer'], tokenVersion: 0 }))).status).toBe(201);
  });

  async function registeredAccount() {
    const email = `revoke-${randomUUID().slice(0, 8)}@example.org`;
    const password = 'a long enough password';
    expect((await call(t.app, { method: 'POST', url: '/api/auth/register', payload: { email, password, displayName: 'R' } })).status).toBe(201);
    const login = async (pw = password) => {
      const response = await call(t.app, { method: 'POST', url: '/api/auth/login', payload: { email, password: pw } });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return bearer(response.body.accessToken);
    };
    return { password, login };
  }
  const me = (caller: Caller) => call(t.app, { method: 'GET', url: '/api/me', caller });

  it('logout-everywhere revokes every token issued before it (401 auth.token-revoked); the next login works', async () => {
    const account = await registeredAccount();
    const [phone, laptop] = [await account.login(), await account.login()];
    expect((await call(t.app, { method: 'POST', url: '/api/auth/logout-everywhere', caller: phone })).status).toBe(204);
    for (const revoked of [phone, laptop]) {
      expect(await me(revoked)).toMatchObject({ status: 401, body: { code: 'auth.token-revoked' } });
      expect((await call(t.app, { method: 'GET', url: '/api/polls', caller: revoked })).status).toBe(401);
    }
    expect((await me(await account.login())).status).toBe(200);
  });

  it('a new password revokes every token issued before it', async () => {
    const account = await registeredAccount();
    const [session, other] = [await account.login(), await account.login()];
    const changed = await call(t.app, {
      method: 'POST', url: '/api/auth/password', caller: session, payload: { currentPassword: account.password, newPassword: 'a newer passphrase' },
    });
    expect(changed.status).toBe(204);
    for (const revoked of [session, other]) expect(await me(revoked)).toMatchObject({ status: 401, body: { code: 'auth.token-revoked' } });
    expect((await me(await account.login('a newer passphrase'))).status).toBe(200);
  });
});

describe('a session opened with a setup token may only set the password (and read /api/me)', () => {
  let session: Caller;
  let email: string;
  let setupToken: string;
  let poll: any;

  beforeAll(async () => {
    const admin = callers.get('admin')!;
    email = `setup-${randomUUID().slice(0, 8)}@example.org`;
    const upload = await call(t.app, {
      method: 'POST', url: '/api/admin/users/import', caller: admin,
      headers: { 'content-type': 'text/csv' }, payload: `email,displayName\n${email},Setup\n`,
    });
    expect(upload.status).toBe(202);
    // Up to 25 s (under half the hook's limit): the job hashes the setup token, slow while other
    // test files share the cores; a count of 600 tries ran out after 15 s once in a full CI run.
    let status: string | undefined;
    for (const deadline = Date.now() + 25_000; status !== 'done' && Date.now() < deadline; ) {
      status = (await call(t.app, { method: 'GET', url: `/api/admin/jobs/${upload.body.jobId}`, caller: admin })).body.status;
      if (status !== 'done') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(status, 'the import job finished').toBe('done');
    const tokens = await t.app.inject({ method: 'GET', url: `/api/admin/jobs/${upload.body.jobId}/setup-tokens`, headers: admin.headers });
    setupToken = tokens.body.trim().split('\n')[1]!.split(',')[1]!;
    const login = await call(t.app, { method: 'POST', url: '/api/auth/login', payload: { email, password: setupToken } });
    expect(login.body.mustChangePassword).toBe(true);
    session = bearer(login.body.accessToken);
    poll = await openedPoll(t.app, owner, { allowChangeVote: true });
  });

  it.each(OPERATIONS.filter((o) => !o.tokenless && o.id !== 'changePassword' && o.id !== 'me'))('$id: 403 auth.password-change-required', async (operation) => {
    const refused = await call(t.app, { ...operation.request(poll), caller: session });
    expect(refused, operation.id).toMatchObject({ status: 403, body: { code: 'auth.password-change-required' } });
  });

  it('reads /api/me, sets the password with the setup token, and is then over: the new password opens a full session', async () => {
    expect(await call(t.app, { method: 'GET', url: '/api/me', caller: session })).toMatchObject({ status: 200, body: { email, mustChangePassword: true } });
    const set = await call(t.app, { method: 'POST', url: '/api/auth/password', caller: session, payload: { setupToken, newPassword: 'my own passphrase' } });
    expect(set.status).toBe(204);
    expect(await call(t.app, { method: 'GET', url: '/api/me', caller: session })).toMatchObject({ status: 401, body: { code: 'auth.token-revoked' } });
    const login = await call(t.app, { method: 'POST', url: '/api/auth/login', payload: { email, password: 'my own passphrase' } });
    expect(login.body.mustChangePassword).toBe(false);
    const ballot = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: bearer(login.body.accessToken), payload: { answers: answersFor(poll) } });
    expect(ballot.status).toBe(201);
  });
});

describe('a draft is its organizer’s and the admins’ only, on every read', () => {
  let draft: any;
  interface Read {
    id: string;
    request: () => { method: 'GET'; url: string };
    /** What the organizer and admins get. */
    seen: number;
    /** Who the route lets in before it looks at the poll (else 401 anonymous, 403 accounts). */
    roles?: Who[];
    authenticated?: boolean;
  }
  const READS: Read[] = [
    { id: 'getPoll', seen: 200, request: () => ({ method: 'GET', url: `/api/polls/${draft.pollId}` }) },
    { id: 'getPoll by slug', seen: 200, request: () => ({ method: 'GET', url: `/api/polls/${draft.slug}` }) },
    { id: 'getResults', seen: 200, request: () => ({ method: 'GET', url: `/api/polls/${draft.pollId}/results` }) },
    { id: 'liveResults', seen: 426, request: () => ({ method: 'GET', url: `/api/polls/${draft.pollId}/live` }) },
    { id: 'getAnalytics', seen: 200, authenticated: true, request: () => ({ method: 'GET', url: `/api/polls/${draft.pollId}/analytics` }) },
    { id: 'exportAnalyticsCsv', seen: 200, authenticated: true, request: () => ({ method: 'GET', url: `/api/polls/${draft.pollId}/analytics.csv` }) },
    { id: 'listAuditEvents', seen: 200, roles: ['admin', 'auditor'], request: () => ({ method: 'GET', url: `/api/polls/${draft.pollId}/audit/events` }) },
    { id: 'verifyPoll', seen: 200, roles: ['admin', 'auditor'], request: () => ({ method: 'GET', url: `/api/polls/${draft.pollId}/audit/verify` }) },
  ];

  beforeAll(async () => {
    const created = await call(t.app, { method: 'POST', url: '/api/polls', caller: owner, payload: lunchPoll() });
    draft = created.body;
    await t.services.readModelsAt(await committedHead(t.services));
  });

  describe.each(READS)('$id', (read) => {
    it.each(EVERYONE)('%s', async (who) => {
      const { status, body } = await call(t.app, { ...read.request(), caller: callers.get(who) });
      // Not even the id of a draft found by its slug.
      if (status === 404) expect(JSON.stringify(body)).not.toContain(read.id === 'getPoll by slug' ? draft.pollId : 'organizerId');
      const expected = who === 'anonymous' && (read.authenticated || read.roles) ? 401
        : read.roles && !read.roles.includes(who) ? 403
        : who === 'owner' || who === 'admin' ? read.seen
        : 404;
      expect(status, `${read.id} of a draft as ${who}`).toBe(expected);
    });
  });

  it.each(EVERYONE)('listPolls as %s', async (who) => {
    const listed: string[] = [];
    for (let cursor = ''; ;) {
      const page = await call(t.app, { method: 'GET', url: `/api/polls?status=draft&limit=100${cursor}`, caller: callers.get(who) });
      expect(page.status).toBe(200);
      listed.push(...page.body.items.map((p: any) => p.pollId));
      if (!page.body.nextCursor) break;
      cursor = `&cursor=${page.body.nextCursor}`;
    }
    if (who === 'owner' || who === 'admin') expect(listed).toContain(draft.pollId);
    else expect(listed).not.toContain(draft.pollId);
  });
});
