import type pg from 'pg';
import pino from 'pino';
import { auditCheckpointsJob } from '../../src/worker/jobs/audit-checkpoints.ts';
import { answersFor, call, callerWith, openedPoll, type Caller } from '../support/api-client.ts';
import type { TestApp } from '../support/app.ts';
import { committedHead } from '../support/log-head.ts';

/** A ballot for `lunchPoll` that varies with `i`, so the results are not all one option. */
export function variedAnswers(poll: any, i: number) {
  const answers = answersFor(poll);
  const [single, , ranked, rating] = poll.questions;
  answers[0] = { questionId: single.questionId, optionIds: [single.options[i % 2].optionId] };
  answers[2] = { questionId: ranked.questionId, ranking: i % 3 === 0 ? [...answers[2]!.ranking!].reverse() : answers[2]!.ranking! };
  answers[3] = { questionId: rating.questionId, rating: 1 + (i % 5) };
  return answers;
}

export interface PollHistory {
  poll: any;
  organizer: Caller;
  /** Per voter, the receipts of what they appended, oldest first. */
  receipts: string[][];
  /** Log positions after each step, with the results the read model showed there. */
  steps: Array<{ position: number; at: Date; results: any }>;
}

/** The signing job as the worker runs it, one round (its lease is the worker's business, not the test's). */
export async function checkpointRound(t: TestApp, everyEvents = 1_000_000) {
  await committedHead(t.services); // what was written so far readable: a ballot answers at its commit
  const job = auditCheckpointsJob({
    sql: t.services.sql,
    store: t.services.store,
    key: t.services.secrets.auditKey,
    logger: pino({ level: 'silent' }),
    now: () => new Date(),
    everyEvents,
    everySeconds: 3600,
  });
  await job.run(new AbortController().signal);
}

/**
 * A poll with a history an auditor cares about: ballots, changes, flags, an upheld and a rejected
 * flag, a checkpoint half-way and one at the close. `steps` records, after each ballot, what the
 * read model said (the results "when the log ended" there).
 */
export async function pollWithHistory(t: TestApp, options: { voters: number; anonymous?: boolean; close?: boolean }): Promise<PollHistory> {
  const organizer = await callerWith(t, 'organizer');
  const reviewer = await callerWith(t, 'reviewer');
  const poll = await openedPoll(t.app, organizer, { allowChangeVote: true, anonymous: options.anonymous ?? false });
  const url = `/api/polls/${poll.pollId}`;
  const receipts: string[][] = [];
  const steps: PollHistory['steps'] = [];
  const ballotIds: string[] = [];
  const record = async (position: number) => {
    await t.services.readModelsAt(BigInt(position));
    const results = (await call(t.app, { method: 'GET', url: `${url}/results`, caller: organizer })).body;
    steps.push({ position, at: new Date(), results });
    await new Promise((r) => setTimeout(r, 2)); // distinct recordedAt for the next step
  };
  for (let i = 0; i < options.voters; i++) {
    const voter = await callerWith(t);
    const cast = await call(t.app, { method: 'POST', url: `${url}/ballots`, caller: voter, payload: { answers: variedAnswers(poll, i) } });
    if (cast.status !== 201) throw new Error(`castBallot: ${cast.status} ${JSON.stringify(cast.body)}`);
    receipts.push([cast.body.receipt]);
    ballotIds.push(cast.body.ballotId);
    await record(cast.body.position);
    if (i % 4 === 1) {
      const changed = await call(t.app, { method: 'PUT', url: `${url}/ballots/mine`, caller: voter, payload: { answers: variedAnswers(poll, i + 1) } });
      receipts[i]!.push(changed.body.receipt);
      await record(changed.body.position);
    }
    if (i === Math.floor(options.voters / 2)) await checkpointRound(t, 1);
  }
  for (const [k, decision] of [[0, 'reject'], [2, 'uphold']] as const) {
    const flag = await call(t.app, { method: 'POST', url: `${url}/ballots/${ballotIds[k]}/flags`, caller: reviewer, payload: { reason: 'audit test' } });
    const decided = await call(t.app, { method: 'POST', url: `/api/review/flags/${flag.body.flagId}/decision`, caller: reviewer, payload: { decision, note: 'checked' } });
    if (decided.status !== 200) throw new Error(`reviewFlag: ${decided.status} ${JSON.stringify(decided.body)}`);
  }
  if (options.close ?? true) await call(t.app, { method: 'POST', url: `${url}/close`, caller: organizer });
  await t.services.readModelsAt(await committedHead(t.services));
  await checkpointRound(t);
  return { poll, organizer, receipts, steps };
}

/** The attacker's move: the triggers off, the change, the triggers back on as they were. */
export async function behindTriggers(client: pg.Client, statement: string, values: unknown[] = []): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('ALTER TABLE events DISABLE TRIGGER events_append_only_rows');
    await client.query(statement, values);
    await client.query('ALTER TABLE events ENABLE ALWAYS TRIGGER events_append_only_rows');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
