import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultsAt } from '../../src/projections/results/results-at.ts';
import { call } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { pollWithHistory, type PollHistory } from './support.ts';

/**
 * Issue 7.4: the results as of position p (`?at=p`, a replay) and as of a time (`?asOf=`) equal
 * the results the read model showed when the log ended at p.
 */
/** The fields of API.md's getResults (other fields the route may add are not this test's business). */
const core = ({ pollId, status, totalBallots, flaggedPending, position, questions }: any) => ({ pollId, status, totalBallots, flaggedPending, position, questions });

let t: TestApp;
let history: PollHistory;
beforeAll(async () => {
  t = await createTestApp();
  history = await pollWithHistory(t, { voters: 10, close: false });
}, 120_000);
afterAll(async () => t?.close());

describe('results as of a position and as of a time', () => {
  it('at every step: replay at p = read model when the log ended at p, by position and by time', async () => {
    const url = `/api/polls/${history.poll.pollId}/results`;
    for (const step of history.steps) {
      const replayed = await resultsAt(t.services.store, history.poll.pollId, BigInt(step.position));
      expect(core({ ...replayed, position: Number(replayed!.position) })).toEqual(core(step.results));
      const byPosition = await call(t.app, { method: 'GET', url: `${url}?at=${step.position}`, caller: history.organizer });
      expect(core(byPosition.body)).toEqual(core(step.results));
      const byTime = await call(t.app, { method: 'GET', url: `${url}?asOf=${step.at.toISOString()}`, caller: history.organizer });
      expect(core(byTime.body)).toEqual(core(step.results));
    }
  });

  it('refuses a time in the future, and `at` with `asOf`', async () => {
    const url = `/api/polls/${history.poll.pollId}/results`;
    const future = new Date(Date.now() + 60_000).toISOString();
    expect((await call(t.app, { method: 'GET', url: `${url}?asOf=${future}`, caller: history.organizer })).status).toBe(422);
    const both = await call(t.app, { method: 'GET', url: `${url}?asOf=${history.steps[0]!.at.toISOString()}&at=1`, caller: history.organizer });
    expect(both).toMatchObject({ status: 422, body: { code: 'results.at-and-as-of' } });
    const before = await call(t.app, { method: 'GET', url: `${url}?asOf=2000-01-01T00:00:00Z`, caller: history.organizer });
    expect(before.status).toBe(404);
  });
});
