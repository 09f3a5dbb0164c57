import type { RawTally } from '../../../domain/results/raw.ts';

/** As the API shows it: positions are numbers there. */
export const rawView = (raw: RawTally) => ({ ...raw, position: Number(raw.position) });
