import type { Role } from '../../../src/domain/user/roles.ts';
import { answersFor, call, callerWith, openedPoll, type AppUnderTest, type Caller } from '../api-client.ts';
import type { KnownValues } from './schema-values.ts';

/** Who the fuzzer sends requests as. `owner` organizes the fixture polls. */
export type Who = 'anonymous' | 'owner' | Role;
export const CALLERS: readonly Who[] = ['anonymous', 'voter', 'owner', 'organizer', 'admin', 'reviewer', 'auditor', 'analyst'];

export interface Fixtures {
  callers: Map<Who, Caller | undefined>;
  known: KnownValues;
  /** Valid request bodies per operation: the starting point that mutations spoil. */
  bodies: Record<string, () => unknown>;
  account: { email: string; password: string };
}

const PASSWORD = 'fuzz account password';

async function must(response: Awaited<ReturnType<typeof call>>, what: string, status: number) {
  if (response.status !== status) throw new Error(`fuzz fixture ${what}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/**
 * Things that exist, so that generated requests reach past 404: an open poll with a ballot and a
 * flag on it, a draft, an account that can log in, a finished import job.
 */
export async function createFixtures(t: AppUnderTest, admin: Caller): Promise<Fixtures> {
  const { app } = t;
  const owner = await callerWith(t, 'organizer');
  const callers = new Map<Who, Caller | undefined>([['anonymous', undefined], ['owner', owner]]);
  for (const role of ['voter', 'organizer', 'admin', 'reviewer', 'auditor', 'analyst'] as const) {
    callers.set(role, role === 'voter' ? await callerWith(t) : role === 'admin' ? admin : await callerWith(t, role));
  }
  const account = { email: `fuzz-${owner.userId.slice(0, 8)}@example.org`, password: PASSWORD };
  const registered = await must(
    await call(app, { method: 'POST', url: '/api/auth/register', payload: { ...account, displayName: 'Fuzz' } }), 'register', 201,
  );
  const poll = await openedPoll(app, owner, { allowChangeVote: true });
  const draft = await must(await call(app, { method: 'POST', url: '/api/polls', caller: owner, payload: lunchLike() }), 'draft', 201);
  const voter = await callerWith(t);
  const ballot = await must(
    await call(app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: voter, payload: { answers: answersFor(poll) } }), 'ballot', 201,
  );
  const reviewer = callers.get('reviewer')!;
  let flag: { flagId: string } | undefined;
  // The ballot reaches the read model flagBallot looks it up in a moment after it is cast.
  for (let i = 0; i < 100 && flag === undefined; i++) {
    const r = await call(app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots/${ballot.ballotId}/flags`, caller: reviewer, payload: { reason: 'fuzz' } });
    if (r.status === 201) flag = r.body;
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (!flag) throw new Error('fuzz fixture: the ballot never reached the read model');
  const job = await must(
    await call(app, {
      method: 'POST', url: '/api/admin/users/import', caller: admin, headers: { 'content-type': 'text/csv' },
      payload: `email,displayName\nimported-${owner.userId.slice(0, 8)}@example.org,Imported\n`,
    }),
    'import', 202,
  );
  // Its rows write events: they must be in before the first request is judged.
  for (let i = 0; i < 500; i++) {
    const { status } = (await call(app, { method: 'GET', url: `/api/admin/jobs/${job.jobId}`, caller: admin })).body;
    if (status === 'done' || status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const questions = poll.questions as Array<{ questionId: string; options?: Array<{ optionId: string }> }>;
  const known: KnownValues = {
    pollId: [poll.pollId, draft.pollId],
    pollIdOrSlug: [poll.pollId, poll.slug, draft.pollId],
    ballotId: [ballot.ballotId],
    flagId: [flag.flagId],
    jobId: [job.jobId],
    userId: [registered.userId, owner.userId],
    receipt: [ballot.receipt],
    questionId: questions.map((q) => q.questionId),
    optionIds: questions.flatMap((q) => q.options?.map((o) => o.optionId) ?? []),
    ranking: questions.flatMap((q) => q.options?.map((o) => o.optionId) ?? []),
    email: [account.email],
    role: ['analyst', 'auditor'],
  };
  let registrations = 0;
  const bodies: Record<string, () => unknown> = {
    register: () => ({ email: `r${++registrations}-${owner.userId.slice(0, 8)}@example.org`, password: PASSWORD, displayName: 'Fuzz' }),
    login: () => ({ ...account }),
    changePassword: () => ({ currentPassword: PASSWORD, newPassword: 'another fuzz password' }),
    verifyNationalId: () => ({ nationalId: '19850312005' }),
    grantRole: () => ({ role: 'analyst' }),
    createPoll: lunchLike,
    issueVoteTokens: () => ({ count: 2 }),
    castBallot: () => ({ answers: answersFor(poll) }),
    changeBallot: () => ({ answers: answersFor(poll) }),
    flagBallot: () => ({ reason: 'fuzz' }),
    reviewFlag: () => ({ decision: 'uphold', note: 'fuzz' }),
  };
  return { callers, known, bodies, account };
}

function lunchLike() {
  return {
    title: 'Fuzz',
    description: 'a poll the fuzzer made',
    questions: [
      { text: 'Where?', kind: 'single', options: [{ text: 'Pizza', imageUrl: 'https://img.example.org/p.png' }, { text: 'Sushi' }] },
      { text: 'Which days?', kind: 'multiple', maxChoices: 2, options: [{ text: 'Mon' }, { text: 'Tue' }, { text: 'Wed' }] },
      { text: 'Rank', kind: 'ranked', options: [{ text: 'A' }, { text: 'B' }] },
      { text: 'Rate', kind: 'rating', scale: { min: 1, max: 5 } },
    ],
    settings: { voterPolicy: 'account', visibility: 'public', startsAt: null, endsAt: null, fraudVelocityLimit: 10, milestoneWebhookUrl: null },
  };
}
