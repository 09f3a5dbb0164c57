/**
 * Events are kept for years, so their shapes evolve by versions (ARCHITECTURE.md: the log is the
 * truth and never changes). Each event type has a current version; an event stored in an older
 * one is turned into the current shape on read, one version at a time, by pure upcasters. The
 * stored event itself is never rewritten, and the integrity chain covers it as stored.
 */

export type StoredData = Readonly<Record<string, unknown>>;

/**
 * Turns the data of version n into the data of version n + 1. Pure and total: the input is
 * whatever the log holds, so it must not throw on a field that is missing or of another type.
 */
export type Upcaster = (data: StoredData) => Record<string, unknown>;

export interface EventVersion {
  readonly current: number;
  /** `upcasters[n - 1]` turns version n into n + 1: exactly `current - 1` of them. */
  readonly upcasters: readonly Upcaster[];
}

export const FIRST_VERSION: EventVersion = Object.freeze({ current: 1, upcasters: [] });
