import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPoll } from '../../src/commands/polls/create-poll.ts';
import { openPoll } from '../../src/commands/polls/open-poll.ts';
import { pollStream } from '../../src/domain/shared/streams.ts';
import { pollScheduleJob } from '../../src/worker/jobs/poll-schedule.ts';
import { settingsInput } from '../../src/testing/poll-fixtures.ts';
import { eventually, openWorkerHarness, pause, pollStatus, silent, type WorkerHarness } from './support.ts';

let h: WorkerHarness;
beforeAll(async () => {
  h = await openWorkerHarness();
});
afterAll(async () => {
  await h.close();
});

const organizer = { kind: 'user', userId: 'organizer-1', roles: ['organizer'] } as const;
const context = { actor: 'user:organizer-1', correlationId: 'test' };
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

async function newPoll(settings: { startsAt?: string; endsAt?: string }) {
  const { poll } = await createPoll(
    h.services.commands,
    organizer.userId,
    {
      title: 'Lunch',
      questions: [{ text: 'Where?', kind: 'single', options: [{ text: 'Pizza' }, { text: 'Sushi' }] }],
      settings: settingsInput(settings),
    },
    context,
  );
  return poll.pollId;
}

const eventsOf = async (pollId: string, type: string) =>
  (await h.store.readStream(pollStream(pollId))).filter((e) => e.type === type);

describe('poll-schedule job', () => {
  it('closes a poll at endsAt exactly once, with two workers running the job', async () => {
    const pollId = await newPoll({ endsAt: inSeconds(1.5) });
    await openPoll(h.services.commands, pollId, organizer, context);
    const a = await h.startWorker();
    const b = await h.startWorker();
    await eventually(async () => (await pollStatus(h.sql, pollId)) === 'closed', 10_000, 'the poll to close');
    expect([...a.worker.jobs(), ...b.worker.jobs()].filter((j) => j === 'poll-schedule')).toHaveLength(1);

    // Hand the job over mid-way (the holder stops) and let several more rounds pass.
    await (a.worker.jobs().includes('poll-schedule') ? a : b).close();
    await pause(1_000);
    const closed = await eventsOf(pollId, 'PollClosed');
    expect(closed).toHaveLength(1);
    expect(closed[0]!.data).toMatchObject({ closedBy: 'system' });
    expect(closed[0]!.metadata).toMatchObject({ actor: 'system' });
    await a.close();
    await b.close();
  });

  it('closes once even when two rounds race without the lease (derived command id)', async () => {
    const pollId = await newPoll({ endsAt: inSeconds(1) });
    await openPoll(h.services.commands, pollId, organizer, context);
    const projecting = await h.startWorker({}, { jobs: [] });
    await eventually(async () => (await pollStatus(h.sql, pollId)) === 'active', 5_000, 'the poll to be active');
    await pause(1_100);
    const other = await h.startWorker({}, { jobs: [] });
    const signal = new AbortController().signal;
    await Promise.all([
      pollScheduleJob({ sql: h.sql, commands: h.services.commands, logger: silent }).run(signal),
      pollScheduleJob({ sql: other.services.sql, commands: other.services.commands, logger: silent }).run(signal),
    ]);
    expect(await eventsOf(pollId, 'PollClosed')).toHaveLength(1);
    await projecting.close();
    await other.close();
  });

  it('opens a draft at startsAt, and leaves drafts without one to their organizer', async () => {
    const scheduled = await newPoll({ startsAt: inSeconds(1), endsAt: inSeconds(3600) });
    const manual = await newPoll({});
    const w = await h.startWorker();
    await eventually(async () => (await pollStatus(h.sql, scheduled)) === 'active', 10_000, 'the poll to open');
    await pause(500);
    expect(await eventsOf(scheduled, 'PollOpened')).toHaveLength(1);
    expect(await pollStatus(h.sql, manual)).toBe('draft');
    await w.close();
  });
});
