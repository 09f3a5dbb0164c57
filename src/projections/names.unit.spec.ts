import { expect, it } from 'vitest';
import { POSTGRES_PROJECTIONS } from './index.ts';
import { PROJECTION_NAMES } from './names.ts';

it('names every projection a worker runs, in the same order', () => {
  expect(PROJECTION_NAMES).toEqual(POSTGRES_PROJECTIONS.map((p) => p.name));
});
