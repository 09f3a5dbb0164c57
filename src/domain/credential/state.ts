export type CredentialState =
  | { status: 'none' }
  | { status: 'issued'; pollId: string; blindedMessageHash: string; issuedAt: string };

export const initialCredentialState = (): CredentialState => ({ status: 'none' });
