/** One account's credential for one poll: none yet, or issued for one blinded message. */
export type CredentialState =
  | { status: 'none' }
  | { status: 'issued'; pollId: string; blindedMessageHash: string; issuedAt: string };

export const initialCredentialState = (): CredentialState => ({ status: 'none' });
