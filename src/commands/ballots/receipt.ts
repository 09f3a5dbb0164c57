import { createHash } from 'node:crypto';

/**
 * A voter's receipt for a ballot: a digest of the stored event's id. It proves the voter holds a
 * ballot that is in the log (checkReceipt looks it up) and reveals nothing about the choice.
 */
export const receiptFor = (eventId: string): string => createHash('sha256').update(`pollster-receipt:${eventId}`).digest('base64url');
