import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Role } from '../../src/domain/user/roles.ts';
import type { Services } from '../../src/runtime/services.ts';
import { seedAccount } from './accounts.ts';

/** A caller of the API in tests: an access token for an account with these roles. */
export interface Caller {
  userId: string;
  headers: Record<string, string>;
}

/** What callers are made on: an app and the services behind it (a TestApp, an edge test app). */
export interface AppUnderTest {
  app: FastifyInstance;
  services: Services;
}

/** A caller that is a real account holding these roles (besides voter), with a token as login signs it. */
export async function callerWith(t: AppUnderTest, ...roles: Role[]): Promise<Caller> {
  const { userId } = await seedAccount(t.services, roles);
  const { accessToken } = t.app.issueAccessToken({ userId, roles: ['voter', ...roles], tokenVersion: 0 });
  return { userId, headers: { authorization: `Bearer ${accessToken}` } };
}

export async function call(app: FastifyInstance, options: InjectOptions & { caller?: Caller }) {
  const { caller, ...rest } = options;
  const response = await app.inject({ ...rest, headers: { ...(caller?.headers ?? {}), ...(rest.headers ?? {}) } });
  // JSON answers (problem+json too) as JSON, strictly; CSV and HTML downloads as the text they are.
  const json = /json/.test((response.headers['content-type'] ?? '').toString());
  const body = !response.body ? undefined : json ? (JSON.parse(response.body) as any) : response.body;
  return { status: response.statusCode, body, headers: response.headers };
}

type OptionInput = { text: string; imageUrl?: string };

export const lunchPoll = (settings: Record<string, unknown> = {}) => ({
  title: 'Lunch',
  questions: [
    { text: 'Where?', kind: 'single', options: [{ text: 'Pizza' }, { text: 'Sushi' }] as OptionInput[] },
    { text: 'Which days?', kind: 'multiple', maxChoices: 2, options: [{ text: 'Mon' }, { text: 'Tue' }, { text: 'Wed' }] },
    { text: 'Rank the teams', kind: 'ranked', options: [{ text: 'A' }, { text: 'B' }, { text: 'C' }] },
    { text: 'Rate the venue', kind: 'rating', scale: { min: 1, max: 5 } },
  ],
  settings: { voterPolicy: 'account', anonymous: false, allowChangeVote: false, visibility: 'public', showResultsBeforeClose: true, ...settings },
});

/** Creates and opens a poll through the API; returns it as getPoll shows it. */
export async function openedPoll(app: FastifyInstance, organizer: Caller, settings: Record<string, unknown> = {}) {
  const created = await call(app, { method: 'POST', url: '/api/polls', caller: organizer, payload: lunchPoll(settings) });
  if (created.status !== 201) throw new Error(`createPoll: ${created.status} ${JSON.stringify(created.body)}`);
  const opened = await call(app, { method: 'POST', url: `/api/polls/${created.body.pollId}/open`, caller: organizer });
  if (opened.status !== 200) throw new Error(`openPoll: ${opened.status} ${JSON.stringify(opened.body)}`);
  return (await call(app, { method: 'GET', url: `/api/polls/${created.body.pollId}`, caller: organizer })).body;
}

/** A valid full ballot for `lunchPoll`: first option, first two days, A>B>C, rating 4. */
export function answersFor(poll: any) {
  const [single, multiple, ranked, rating] = poll.questions;
  return [
    { questionId: single.questionId, optionIds: [single.options[0].optionId] },
    { questionId: multiple.questionId, optionIds: multiple.options.slice(0, 2).map((o: any) => o.optionId) },
    { questionId: ranked.questionId, ranking: ranked.options.map((o: any) => o.optionId) },
    { questionId: rating.questionId, rating: 4 },
  ];
}
