import type { Role } from '../../src/domain/user/roles.ts';

/**
 * Who may do what, as the authorization matrices judge it: "owner" is the organizer of the poll
 * the operation is about, "organizer" another organizer. The read operations' lists are shared
 * by the REST matrix (tests/api/authorization-matrix.e2e.spec.ts) and the GraphQL one
 * (tests/api/graphql-authorization.e2e.spec.ts), so the two APIs are held to one table.
 */
export type Who = 'anonymous' | 'owner' | Role;
export const EVERYONE: Who[] = ['anonymous', 'voter', 'owner', 'organizer', 'admin', 'auditor', 'analyst', 'reviewer'];
export const ACCOUNTS: Who[] = EVERYONE.filter((w) => w !== 'anonymous');

/** The reads of an open public poll that shows its results before the close. */
export const READS_ALLOWED = {
  getPoll: EVERYONE,
  listPolls: EVERYONE,
  getResults: EVERYONE,
  liveResults: EVERYONE,
  getAnalytics: ['owner', 'admin', 'analyst'],
  listFlags: ['admin', 'auditor', 'reviewer'],
  listAuditEvents: ['admin', 'auditor'],
} as const satisfies Record<string, readonly Who[]>;

/** The roles an account of each kind holds besides voter. */
export const rolesOf = (who: Who): Role[] => (who === 'owner' ? ['organizer'] : who === 'voter' || who === 'anonymous' ? [] : [who]);
