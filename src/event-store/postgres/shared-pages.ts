import type { ReadAllOptions, ReadAllResult, RecordedEvent } from '../port.ts';

/**
 * The subscriptions of one process share their reads of `$all`: a worker runs one subscription of
 * each projection per partition, and each used to read and parse every page only for all but one
 * to throw it away. Shared: 10x fewer database reads, 5-12% less CPU per ballot (`npm run bench --
 * projections --skip-lag --skip-rebuild --worker-cpu`). A page below the read horizon is final, so
 * it stays true for good. Events are shared as they are: consumers must not change them (tests
 * freeze them, POLLSTER_FREEZE_SHARED_EVENTS=1, so one that does fails loudly).
 *
 * A subscription joins as a reader of its filter, and a page is kept only until every reader of
 * that filter has passed it. A lone reader (`pollster start` runs one subscription for all its
 * projections) keeps nothing: its pages had been held for 5,000 events, long enough for every
 * event it read to be promoted to V8's old generation, which only a major GC empties (at 3,000
 * ballots/s, 280 -> 206 MB outlived a scavenge in 12 s once they were not).
 */
export interface SharedPagesOptions {
  /** Events kept per filter (oldest pages dropped first). */
  maxEventsPerFilter?: number;
  /**
   * Characters of long string lists kept per filter: an event of 10,000 vote token hashes holds
   * 640,000 of them (about 1 MB of heap), where a ballot holds none. Without this bound a node's
   * memory grew with the tokens issued, up to 5,000 such events per filter.
   */
  maxListCharsPerFilter?: number;
  /** Filters remembered (the least recently read dropped first). */
  maxFilters?: number;
}

interface Page {
  from: bigint;
  next: bigint;
  events: RecordedEvent[];
  listChars: number;
}

interface Filter {
  /** Ascending by `from`, consecutive or not. */
  pages: Page[];
  events: number;
  listChars: number;
  inFlight: Map<string, Promise<ReadAllResult>>;
  /** The subscriptions that joined, each at the position it reads from next. */
  readers: Set<SharedReader>;
}

/** A subscription reading one filter through the shared pages (join, then leave when it ends). */
export interface SharedReader {
  readonly key: string;
  from: bigint;
}

const FREEZE = process.env.POLLSTER_FREEZE_SHARED_EVENTS === '1';

export class SharedPages {
  readonly #filters = new Map<string, Filter>();
  readonly #maxEvents: number;
  readonly #maxFilters: number;
  readonly #maxListChars: number;

  constructor(options: SharedPagesOptions = {}) {
    this.#maxEvents = options.maxEventsPerFilter ?? 5_000;
    this.#maxListChars = options.maxListCharsPerFilter ?? 1_000_000;
    this.#maxFilters = options.maxFilters ?? 16;
  }

  /** A subscription of this filter, reading on from `from`: the pages behind it are its to pass. */
  join(options: Pick<ReadAllOptions, 'categories' | 'streamPrefixes'>, from: bigint): SharedReader {
    const reader: SharedReader = { key: filterKey(options), from };
    this.#filter(reader.key).readers.add(reader);
    return reader;
  }

  /** The subscription ended: the pages only it was behind go. */
  leave(reader: SharedReader): void {
    const filter = this.#filters.get(reader.key);
    if (!filter?.readers.delete(reader)) return;
    this.#passed(filter);
  }

  /**
   * What `read(options)` would answer, from a kept page when one covers `options.from`. With
   * `reader` (one that joined this filter) the page is kept only while another reader is behind
   * its end; without, for as long as the bounds allow.
   */
  async read(options: ReadAllOptions, read: (options: ReadAllOptions) => Promise<ReadAllResult>, reader?: SharedReader): Promise<ReadAllResult> {
    const filter = this.#filter(reader?.key ?? filterKey(options));
    const answer = await this.#answer(filter, options, read);
    if (reader !== undefined && filter.readers.has(reader)) {
      reader.from = answer.next;
      this.#passed(filter);
    }
    return answer;
  }

  async #answer(filter: Filter, options: ReadAllOptions, read: (options: ReadAllOptions) => Promise<ReadAllResult>): Promise<ReadAllResult> {
    const kept = served(filter.pages, options.from, options.limit);
    if (kept) return kept;
    const key = `${options.from}/${options.limit}`;
    const joined = filter.inFlight.get(key);
    if (joined) return copy(await joined);
    const reading = read(options);
    filter.inFlight.set(key, reading);
    try {
      const result = await reading;
      if (FREEZE) for (const e of result.events) deepFreeze(e);
      this.#keep(filter, { from: options.from, next: result.next, events: result.events, listChars: listChars(result.events) });
      return copy(result);
    } finally {
      filter.inFlight.delete(key);
    }
  }

  /** Drops the pages every reader of the filter has passed (none, while it has no readers). */
  #passed(filter: Filter): void {
    if (filter.readers.size === 0) return;
    let slowest: bigint | undefined;
    for (const r of filter.readers) if (slowest === undefined || r.from < slowest) slowest = r.from;
    while (filter.pages.length > 0 && filter.pages[0]!.next <= slowest!) {
      const dropped = filter.pages.shift()!;
      filter.events -= dropped.events.length;
      filter.listChars -= dropped.listChars;
    }
  }

  #filter(key: string): Filter {
    let filter = this.#filters.get(key);
    if (filter) {
      this.#filters.delete(key); // re-inserted: Map order is recency of use
    } else {
      filter = { pages: [], events: 0, listChars: 0, inFlight: new Map(), readers: new Set() };
      // The least recently read filter that no subscription has joined goes.
      if (this.#filters.size >= this.#maxFilters) {
        for (const [k, f] of this.#filters) {
          if (f.readers.size > 0) continue;
          this.#filters.delete(k);
          break;
        }
      }
    }
    this.#filters.set(key, filter);
    return filter;
  }

  #keep(filter: Filter, page: Page): void {
    if (page.next <= page.from) return; // read nothing new: nothing to share
    const at = filter.pages.findIndex((p) => p.from > page.from);
    filter.pages.splice(at === -1 ? filter.pages.length : at, 0, page);
    filter.events += page.events.length;
    filter.listChars += page.listChars;
    // Drop the oldest pages (lowest positions: the ones every follower has passed) past the bounds,
    // keeping at least the page just read.
    while ((filter.events > this.#maxEvents || filter.listChars > this.#maxListChars) && filter.pages.length > 1) {
      const dropped = filter.pages[0] === page ? filter.pages.splice(1, 1)[0]! : filter.pages.shift()!;
      filter.events -= dropped.events.length;
      filter.listChars -= dropped.listChars;
    }
  }
}

const filterKey = (options: Pick<ReadAllOptions, 'categories' | 'streamPrefixes'>): string =>
  `${[...(options.categories ?? [])].sort().join(',')}|${[...(options.streamPrefixes ?? [])].sort().join(',')}`;

/** Characters in the top-level lists of strings of the events' data: a cheap, shallow measure of their weight. */
function listChars(events: readonly RecordedEvent[]): number {
  let chars = 0;
  for (const event of events) {
    if (event.data === null || typeof event.data !== 'object') continue;
    for (const value of Object.values(event.data)) {
      if (!Array.isArray(value)) continue;
      for (const item of value) if (typeof item === 'string') chars += item.length;
    }
  }
  return chars;
}

/** The events after `from` of the kept page covering it, at most `limit` of them. */
function served(pages: readonly Page[], from: bigint, limit: number): ReadAllResult | undefined {
  // The latest page covering `from` reaches furthest.
  for (let i = pages.length - 1; i >= 0; i--) {
    const page = pages[i]!;
    if (page.from > from || from >= page.next) continue;
    let first = 0;
    while (first < page.events.length && page.events[first]!.position <= from) first++;
    const events = page.events.slice(first, first + limit);
    // A page cut short by `limit` ends at its last event, as a full read would.
    const next = first + limit < page.events.length ? events.at(-1)!.position : page.next;
    return { events, next };
  }
  return undefined;
}

// Every caller gets its own array (the events in it are shared).
const copy = (result: ReadAllResult): ReadAllResult => ({ events: [...result.events], next: result.next });

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
