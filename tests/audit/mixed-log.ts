import { readFile } from 'node:fs/promises';
import type { EventStore } from '../../src/event-store/port.ts';
import { ballotStream, pollStream } from '../../src/domain/shared/streams.ts';
import { call, callerWith, type Caller } from '../support/api-client.ts';
import type { TestApp } from '../support/app.ts';
import { checkpointRound, variedAnswers } from './support.ts';
import { committedHead } from '../support/log-head.ts';

/**
 * A log that mixes event versions: the poll and ballots of tests/fixtures/v1-poll.export.jsonl
 * (written before events carried a version: all version 1), re-appended byte for byte, then new
 * ballots and a change cast on the same poll by today's code (BallotCast version 2).
 */
export const FIXTURE = new URL('../fixtures/v1-poll.export.jsonl', import.meta.url);

export interface FixtureEvent {
  kind: 'event';
  position: string;
  stream: string;
  revision: string;
  id: string;
  type: string;
  hash: string;
  data: any;
  metadata: Record<string, unknown>;
}

export interface Fixture {
  text: string;
  pollId: string;
  publicKey: string;
  /** The PollCreated data: questions and options, as `variedAnswers` takes a poll. */
  poll: any;
  events: FixtureEvent[];
  /** The results line: what the read model published when the fixture was exported. */
  results: any;
}

export async function readFixture(): Promise<Fixture> {
  const text = await readFile(FIXTURE, 'utf8');
  const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line));
  const header = lines[0];
  const events = lines.filter((l) => l.kind === 'event') as FixtureEvent[];
  return {
    text,
    pollId: header.pollId,
    publicKey: header.publicKey,
    poll: events.find((e) => e.type === 'PollCreated')!.data,
    events,
    results: lines.find((l) => l.kind === 'results')!.results,
  };
}

/** The fixture's own streams (not its checkpoints, signed by another installation's key). */
export const pollEventsOf = (fixture: Fixture) =>
  fixture.events.filter((e) => e.stream === pollStream(fixture.pollId) || e.stream.startsWith(ballotStream(fixture.pollId, '')));

/**
 * Re-appends the fixture's events through the port, as stored: same ids, type, data and
 * metadata, at the same revisions. The chain does not depend on positions, so every hash must
 * come out as the fixture's.
 */
export async function importFixture(store: EventStore, fixture: Fixture): Promise<void> {
  for (const e of pollEventsOf(fixture)) {
    const revision = BigInt(e.revision);
    const appended = await store.append(e.stream, [{ id: e.id, type: e.type, data: e.data, metadata: e.metadata }], revision === 0n ? 'no_stream' : revision - 1n);
    if (appended.hash !== e.hash) throw new Error(`${e.stream}@${e.revision} re-appended with hash ${appended.hash}, not the fixture's ${e.hash}`);
  }
}

export interface MixedLog {
  fixture: Fixture;
  /** The new (version-2) ballots' voters and receipts. */
  voters: Caller[];
  receipts: string[];
}

/** The fixture imported, `voters` new ballots (the second one changed), one checkpoint over all. */
export async function mixedLog(t: TestApp, voters = 4): Promise<MixedLog> {
  const fixture = await readFixture();
  await importFixture(t.services.store, fixture);
  const url = `/api/polls/${fixture.pollId}`;
  const callers: Caller[] = [];
  const receipts: string[] = [];
  for (let i = 0; i < voters; i++) {
    const voter = await callerWith(t);
    const cast = await call(t.app, { method: 'POST', url: `${url}/ballots`, caller: voter, payload: { answers: variedAnswers(fixture.poll, i) } });
    if (cast.status !== 201) throw new Error(`castBallot: ${cast.status} ${JSON.stringify(cast.body)}`);
    callers.push(voter);
    receipts.push(cast.body.receipt);
    if (i === 1) {
      const changed = await call(t.app, { method: 'PUT', url: `${url}/ballots/mine`, caller: voter, payload: { answers: variedAnswers(fixture.poll, i + 1) } });
      if (changed.status !== 200) throw new Error(`changeBallot: ${changed.status} ${JSON.stringify(changed.body)}`);
    }
  }
  await t.services.readModelsAt(await committedHead(t.services));
  await checkpointRound(t, 1);
  return { fixture, voters: callers, receipts };
}
