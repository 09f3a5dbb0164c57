import { call, callerWith, type AppUnderTest } from '../../support/api-client.ts';

/** The i-th voter's ballot for `lunchPoll`: answers vary with i so every counter moves. */
export function variedAnswers(poll: any, i: number) {
  const [single, multiple, ranked, rating] = poll.questions;
  const ids = (q: any) => q.options.map((o: any) => o.optionId as string);
  const rankedIds = ids(ranked);
  const shift = i % rankedIds.length;
  return [
    { questionId: single.questionId, optionIds: [ids(single)[i % 3 === 0 ? 1 : 0]] },
    { questionId: multiple.questionId, optionIds: ids(multiple).slice(i % 2, (i % 2) + 1 + (i % 3 === 0 ? 1 : 0)) },
    { questionId: ranked.questionId, ranking: [...rankedIds.slice(shift), ...rankedIds.slice(0, shift)] },
    { questionId: rating.questionId, rating: 1 + (i % 5) },
  ];
}

/** Casts `count` ballots, each by a new voter, `concurrency` at a time, through the API (app.inject). */
export async function castBallots(t: AppUnderTest, poll: any, count: number, options: { from?: number; concurrency?: number } = {}) {
  const from = options.from ?? 0;
  let next = from;
  const worker = async () => {
    for (let i = next++; i < from + count; i = next++) {
      const cast = await call(t.app, { method: 'POST', url: `/api/polls/${poll.pollId}/ballots`, caller: await callerWith(t), payload: { answers: variedAnswers(poll, i) } });
      if (cast.status !== 201) throw new Error(`castBallot ${i}: ${cast.status} ${JSON.stringify(cast.body)}`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 20 }, worker));
}
