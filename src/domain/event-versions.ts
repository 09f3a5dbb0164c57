import type { BallotEvent } from './ballot/events.ts';
import { ballotCastV1ToV2 } from './ballot/upcasters.ts';
import type { NationalIdEvent } from './national-id/events.ts';
import type { CredentialEvent } from './credential/events.ts';
import type { PollEvent } from './poll/events.ts';
import { type EventVersion, FIRST_VERSION } from './shared/event-version.ts';
import type { UserEvent } from './user/events.ts';
import type { FirstAdminClaimed } from './user/first-admin.ts';
import type { JoinCodeEvent } from './join-code/join-code.ts';

/** Every event type the log holds: the aggregates' events, the audit checkpoint and the signing key's hand-overs (src/audit). */
export type EventType = (PollEvent | BallotEvent | UserEvent | FirstAdminClaimed | NationalIdEvent | CredentialEvent | JoinCodeEvent)['type'] | 'AuditCheckpointSigned' | 'AuditKeyHandedOver';

/**
 * The current version of every event type and the upcasters from each older one. A type missing
 * here fails to compile. To change an event's shape: bump `current`, append the upcaster from the
 * previous version (README.md, "Event versions"), and keep the old fixture logs passing.
 */
export const EVENT_VERSIONS: Readonly<Record<EventType, EventVersion>> = {
  PollCreated: FIRST_VERSION,
  PollOpened: FIRST_VERSION,
  PollClosed: FIRST_VERSION,
  VoteTokensIssued: FIRST_VERSION,
  MilestoneReached: FIRST_VERSION,
  // 2: voterKind (how the voter was admitted).
  BallotCast: { current: 2, upcasters: [ballotCastV1ToV2] },
  BallotChanged: FIRST_VERSION,
  BallotFlagged: FIRST_VERSION,
  FlagReviewed: FIRST_VERSION,
  UserRegistered: FIRST_VERSION,
  UserImported: FIRST_VERSION,
  PasswordSet: FIRST_VERSION,
  NationalIdVerified: FIRST_VERSION,
  RoleGranted: FIRST_VERSION,
  EmailVerified: FIRST_VERSION,
  FirstAdminClaimed: FIRST_VERSION,
  NationalIdClaimed: FIRST_VERSION,
  BallotCredentialIssued: FIRST_VERSION,
  AuditCheckpointSigned: FIRST_VERSION,
  JoinCodeReserved: FIRST_VERSION,
  JoinCodeReleased: FIRST_VERSION,
  AuditKeyHandedOver: FIRST_VERSION,
};
