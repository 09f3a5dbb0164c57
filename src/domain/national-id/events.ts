import type { DomainEvent } from '../shared/decider.ts';

/** Stream `nationalid-<hmac>`: exists only to make one national id belong to one account. */
export type NationalIdClaimed = DomainEvent<
  'NationalIdClaimed',
  { nationalIdHash: string; userId: string; claimedAt: string }
>;

export type NationalIdEvent = NationalIdClaimed;
