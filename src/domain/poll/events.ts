import type { DomainEvent } from '../shared/decider.ts';
import type { PollDefinition } from './definition.ts';

/** Stream `poll-<pollId>`. The whole definition travels in PollCreated; later events only move status. */
export type PollCreated = DomainEvent<'PollCreated', PollDefinition>;

/** `joinCode`: reserved in `joincode-<code>` just before (src/domain/join-code); absent on polls opened before join codes. */
export type PollOpened = DomainEvent<'PollOpened', { pollId: string; openedBy: string; openedAt: string; joinCode?: string }>;

/** `closedBy` is a user id or `system` (the scheduler closing a poll whose endsAt has passed). */
export type PollClosed = DomainEvent<'PollClosed', { pollId: string; closedBy: string; closedAt: string }>;

/** Hashes only: the raw tokens are shown to the organizer once and never stored. */
export type VoteTokensIssued = DomainEvent<
  'VoteTokensIssued',
  { pollId: string; tokenHashes: readonly string[]; issuedAt: string }
>;

/** A ballot count the organizer is told about (MILESTONES); `ballots` is the count when it was noticed. */
export type MilestoneReached = DomainEvent<
  'MilestoneReached',
  { pollId: string; milestone: number; ballots: number; reachedAt: string }
>;

export type PollEvent = PollCreated | PollOpened | PollClosed | VoteTokensIssued | MilestoneReached;
