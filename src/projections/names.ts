/**
 * The projections' names, apart from their code: the CLI lists and checks them in --help and
 * before loading anything (names.unit.spec.ts keeps the list in step with POSTGRES_PROJECTIONS).
 */
export const POLLS_CATALOG = 'polls-catalog';
export const ANALYTICS = 'analytics';
export const RESULTS = 'results';

export const PROJECTION_NAMES: readonly string[] = [POLLS_CATALOG, ANALYTICS, RESULTS];
