import type { DomainCommand } from '../shared/decider.ts';
import type { Instant } from '../shared/time.ts';

export type ClaimNationalId = DomainCommand<
  'ClaimNationalId',
  { nationalIdHash: string; userId: string; now: Instant }
>;

export type NationalIdCommand = ClaimNationalId;
