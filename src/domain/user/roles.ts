/**
 * Roles of API.md. Every account is a voter; the others are granted by an admin (the first
 * account on an empty system is made admin at registration so someone can grant the rest).
 */
export const GRANTABLE_ROLES = ['organizer', 'admin', 'auditor', 'analyst', 'reviewer'] as const;
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];
export type Role = 'voter' | GrantableRole;
export const ROLES: readonly Role[] = ['voter', ...GRANTABLE_ROLES];
