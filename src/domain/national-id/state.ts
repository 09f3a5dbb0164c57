export type NationalIdState =
  | { status: 'unclaimed' }
  | { status: 'claimed'; nationalIdHash: string; userId: string; claimedAt: string };

export const initialNationalIdState = (): NationalIdState => ({ status: 'unclaimed' });
