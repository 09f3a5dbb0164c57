import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/domain/user/roles.ts';
import { answersFor, call, callerWith, lunchPoll, openedPoll, type Caller } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * Every operation × every role and anonymous: allowed (anything but 401/403) or denied (401
 * anonymous, 403 for an account without the right). "owner" is the organizer of the poll the
 * operation is about; "organizer" is another organizer.
 */
type Who = 'anonymous' | 'owner' | Role;
const EVERYONE: Who[] = ['anonymous', 'voter', 'owner', 'organizer', 'admin', 'auditor', 'analyst', 'reviewer'];
const ACCOUNTS = EVERYONE.filter((w) => w !== 'anonymous');

interface Operation {
  id: string;
  allowed: Who[];
  request: (poll: any) => { method: 'GET' | 'POST' | 'PUT'; url: string; payload?: object | string; headers?: Record<string, string> };
}

const OPERATIONS: Operation[] = [
  { id: 'register', allowed: EVERYONE, request: () => ({ method: 'POST', url: '/api/auth/register', payload: { email: `m${Math.random()}@example.org`, password: 'long enough password', displayName: 'M' } }) },
  { id: 'login', allowed: EVERYONE, request: () => ({ method: 'POST', url: '/api/auth/login', payload: REGISTERED }) },
  { id: 'changePassword', allowed: ACCOUNTS, request: () => ({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: 'old password here', newPassword: 'new password here' } }) },
  { id: 'me', allowed: ACCOUNTS, request: () => ({ method: 'GET', url: '/api/me' }) },
  { id: 'verifyNationalId', allowed: ACCOUNTS, request: () => ({ method: 'POST', url: '/api/identity/verify', payload: { nationalId: '20000101103' } }) },
  { id: 'importUsers', allowed: ['admin'], request: () => ({ method: 'POST', url: '/api/admin/users/import', headers: { 'content-type': 'text/csv' }, payload: 'email,displayName\nx@example.org,X\n' }) },
  { id: 'getJob', allowed: ['admin'], request: () => ({ method: 'GET', url: '/api/admin/jobs/00000000-0000-4000-8000-000000000000' }) },
  { id: 'grantRole', allowed: ['admin'], request: () => ({ method: 'POST', url: '/api/admin/users/00000000-0000-4000-8000-000000000000/roles', payload: { role: 'analyst' } }) },
  { id: 'createPoll', allowed: ['owner', 'organizer', 'admin'], request: () => ({ method: 'POST', url: '/api/polls', payload: lunchPoll() }) },
  { id: 'getPoll', allowed: EVERYONE, request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}` }) },
  { id: 'listPolls', allowed: EVERYONE, request: () => ({ method: 'GET', url: '/api/polls' }) },
  { id: 'openPoll', allowed: ['owner', 'admin'], request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/open` }) },
  { id: 'closePoll', allowed: ['owner', 'admin'], request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/close` }) },
  { id: 'issueVoteTokens', allowed: ['owner', 'admin'], request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/tokens`, payload: { count: 1 } }) },
  { id: 'castBallot', allowed: ACCOUNTS, request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, payload: { answers: answersFor(poll) } }) },
  { id: 'changeBallot', allowed: ACCOUNTS, request: (poll) => ({ method: 'PUT', url: `/api/polls/${poll.pollId}/ballots/mine`, payload: { answers: answersFor(poll) } }) },
  { id: 'listAuditEvents', allowed: ['admin', 'auditor'], request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/audit/events` }) },
  { id: 'verifyPoll', allowed: ['admin', 'auditor'], request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/audit/verify` }) },
  { id: 'checkReceipt', allowed: EVERYONE, request: () => ({ method: 'GET', url: `/api/receipts/${'A'.repeat(43)}` }) },
  { id: 'getAuditPublicKey', allowed: EVERYONE, request: () => ({ method: 'GET', url: '/api/audit/public-key' }) },
  { id: 'getAnalytics', allowed: ['owner', 'admin', 'analyst'], request: (poll) => ({ method: 'GET', url: `/api/polls/${poll.pollId}/analytics` }) },
  // Fraud review: the ids are unknown, so an allowed caller gets 404 (after the role check) and nothing changes.
  { id: 'listFlags', allowed: ['admin', 'auditor', 'reviewer'], request: () => ({ method: 'GET', url: '/api/review/flags' }) },
  { id: 'flagBallot', allowed: ['reviewer'], request: (poll) => ({ method: 'POST', url: `/api/polls/${poll.pollId}/ballots/00000000-0000-4000-8000-000000000000/flags`, payload: { reason: 'matrix' } }) },
  { id: 'reviewFlag', allowed: ['reviewer'], request: () => ({ method: 'POST', url: '/api/review/flags/00000000-0000-4000-8000-000000000000/decision', payload: { decision: 'reject', note: 'matrix' } }) },
];

const REGISTERED = { email: 'matrix@example.org', password: 'long enough password' };
let t: TestApp;
let owner: Caller;
const callers = new Map<Who, Caller | undefined>();

beforeAll(async () => {
  t = await createTestApp();
  owner = callerWith(t.app, 'organizer');
  await call(t.app, { method: 'POST', url: '/api/auth/register', payload: { ...REGISTERED, displayName: 'Matrix' } });
  callers.set('anonymous', undefined);
  callers.set('owner', owner);
  for (const role of ['voter', 'organizer', 'admin', 'auditor', 'analyst', 'reviewer'] as const) {
    callers.set(role, role === 'voter' ? callerWith(t.app) : callerWith(t.app, role));
  }
});
afterAll(async () => t?.close());

describe.each(OPERATIONS)('$id', (operation) => {
  it.each(EVERYONE)('%s', async (who) => {
    const poll = await openedPoll(t.app, owner, { allowChangeVote: true });
    const { status } = await call(t.app, { ...operation.request(poll), caller: callers.get(who) });
    if (operation.allowed.includes(who)) expect([401, 403], `${operation.id} as ${who} got ${status}`).not.toContain(status);
    else expect(status, `${operation.id} as ${who}`).toBe(who === 'anonymous' ? 401 : 403);
  });
});
