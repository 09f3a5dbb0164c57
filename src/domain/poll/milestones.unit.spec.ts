import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../testing/decider-spec.ts';
import {
  createPollCommand as create,
  OPENED_AT,
  POLL_ID,
  pollClosed,
  pollCreated,
  pollOpened,
  settingsInput,
} from '../../testing/poll-fixtures.ts';
import { NotFoundError, ValidationError } from '../shared/errors.ts';
import type { RecordMilestone } from './commands.ts';
import { pollDecider } from './decider.ts';
import type { MilestoneReached } from './events.ts';
import { milestonesReached } from './milestones.ts';

const spec = deciderSpec(pollDecider);
const record = (milestone: number, ballots = milestone): RecordMilestone => ({
  type: 'RecordMilestone',
  data: { pollId: POLL_ID, milestone, ballots, now: OPENED_AT },
});
const reached = (milestone: number, ballots = milestone): MilestoneReached => ({
  type: 'MilestoneReached',
  data: { pollId: POLL_ID, milestone, ballots, reachedAt: OPENED_AT },
});

describe('RecordMilestone', () => {
  it('records a milestone the poll has not reached before', () => {
    spec.given([pollCreated(), pollOpened()]).when(record(100, 104)).then([reached(100, 104)]);
  });

  it('is a no-op for a milestone already recorded, so a retried job changes nothing', () => {
    spec.given([pollCreated(), pollOpened(), reached(100)]).when(record(100, 180)).thenNothingHappens();
  });

  it('records the next milestone after an earlier one', () => {
    spec.given([pollCreated(), pollOpened(), reached(100)]).when(record(1_000, 1_001)).then([reached(1_000, 1_001)]);
  });

  it('still records on a closed poll: the count may have crossed just before the close', () => {
    spec.given([pollCreated(), pollOpened(), pollClosed()]).when(record(100)).then([reached(100)]);
  });

  it('rejects an unknown poll', () => {
    spec.given([]).when(record(100)).thenThrows(NotFoundError, 'poll.not-found');
  });

  it('rejects a milestone that is not one of the fixed ones', () => {
    spec.given([pollCreated(), pollOpened()]).when(record(50)).thenThrows(ValidationError, 'poll.invalid-milestone', 'milestone');
  });

  it('rejects a count below the milestone', () => {
    spec.given([pollCreated(), pollOpened()]).when(record(100, 99)).thenThrows(ValidationError, 'poll.invalid-milestone', 'ballots');
  });
});

describe('evolve with milestones', () => {
  it('keeps the set of recorded milestones across status changes', () => {
    const state = spec.stateAfter([pollCreated(), pollOpened(), reached(100), reached(1_000), pollClosed()]);
    expect(state.status).toBe('closed');
    expect(state.status !== 'none' && [...state.milestones]).toEqual([100, 1_000]);
  });
});

describe('milestonesReached', () => {
  it('lists every milestone at or below the count', () => {
    expect(milestonesReached(99)).toEqual([]);
    expect(milestonesReached(100)).toEqual([100]);
    expect(milestonesReached(12_345)).toEqual([100, 1_000, 10_000]);
  });
});

describe('CreatePoll with milestoneWebhookUrl', () => {
  const withUrl = (milestoneWebhookUrl: string | null) => create({ settings: settingsInput({ milestoneWebhookUrl }) });

  it('keeps an https URL in the settings', () => {
    spec.given([]).when(withUrl('https://hooks.example.org/poll?token=abc'))
      .then([pollCreated({ milestoneWebhookUrl: 'https://hooks.example.org/poll?token=abc' })]);
  });

  it('leaves the setting out when it is null, as in polls created before it existed', () => {
    spec.given([]).when(withUrl(null)).then([pollCreated()]);
  });

  it.each(['ftp://example.org/hook', 'javascript:alert(1)', 'not a url', 'hooks.example.org/poll'])('rejects %s', (url) => {
    spec.given([]).when(withUrl(url)).thenThrows(ValidationError, 'poll.invalid-setting', 'settings.milestoneWebhookUrl');
  });
});
