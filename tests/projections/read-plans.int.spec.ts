import pg from 'pg';
import { createPool, type DatabasePool, type Query } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  findBallot,
  findFlag,
  getAnalytics,
  getPoll,
  getResults,
  listFlags,
  listPolls,
  type Projections,
  startProjections,
} from '../../src/projections/index.ts';
import { getRawTally } from '../../src/projections/results/get-raw-tally.ts';
import { castBallot, createPoll, flagBallot, type Harness, openHarness, openPoll, reviewFlag, silentLogger } from './harness.ts';

/**
 * The read models' indexes follow what the projections write, and every index dropped to make a
 * ballot cheaper (migrations 012, 013, 024, 026) must leave each read of a poll an index range of
 * that poll. A read that scans a whole table costs every ballot of every poll, whichever poll is
 * asked for: an analyst, a reviewer or a script asking for a small poll again and again then
 * loads the database as much as all the polls together (026 did this to analytics; 027 mended
 * it). Each query the read functions send is planned again here with sequential scans priced
 * out: a sequential scan of a `read` table is left in a plan only where no index serves it.
 */
let h: Harness;
let projections: Projections;
let client: pg.Client;
let capturing: DatabasePool;
const sent: Query[] = [];

beforeAll(async () => {
  h = await openHarness();
  projections = startProjections({ store: h.store, sql: h.sql, logger: silentLogger });
  client = new pg.Client({ connectionString: h.db.url });
  await client.connect();
  capturing = await createPool(h.db.url, {
    maximumPoolSize: 1,
    // As the process's pool (src/db/slonik.ts): DISCARD ALL would drop the statements `prepared()` named.
    resetConnection: async () => {},
    interceptors: [{ name: 'capture', beforeQueryExecution: (_context, query) => (sent.push(query), null) }],
  });
});
afterAll(async () => {
  await capturing?.end();
  await client?.end();
  await projections?.stop();
  await h?.close();
});

type PlanNode = Record<string, unknown> & { Plans?: PlanNode[] };
const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];

/** The `read` tables each statement of `read()` scans whole when sequential scans are priced out. */
async function wholeTableScans(read: (db: DatabasePool) => Promise<unknown>): Promise<string[]> {
  sent.length = 0;
  await read(capturing);
  const reads = sent.filter((q) => /^\s*(SELECT|WITH)\b/i.test(q.sql));
  expect(reads.length).toBeGreaterThan(0);
  const scans: string[] = [];
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL enable_seqscan = off');
    for (const q of reads) {
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON, VERBOSE) ${q.sql}`, q.values as unknown[]);
      for (const n of nodes((rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan)) {
        if (n['Node Type'] === 'Seq Scan' && n.Schema === 'read') scans.push(`read.${String(n['Relation Name'])}`);
      }
    }
  } finally {
    await client.query('ROLLBACK');
  }
  return scans;
}

describe("a poll's reads are index ranges of that poll", () => {
  it('for the catalog, the results, the raw tally, the review queue and the analytics', async () => {
    const { pollId, slug } = await createPoll(h.store);
    await openPoll(h.store, pollId);
    const other = await createPoll(h.store, { organizerId: 'organizer-2' });
    await openPoll(h.store, other.pollId);
    const ballots: Awaited<ReturnType<typeof castBallot>>[] = [];
    for (let i = 0; i < 3; i++) ballots.push(await castBallot(h.store, pollId));
    await castBallot(h.store, other.pollId);
    const flagged = ballots[0]!;
    const { flagId } = await flagBallot(h.store, pollId, flagged.ballotId, flagged.voterKey);
    const { position } = await reviewFlag(h.store, pollId, flagged.ballotId, flagged.voterKey, flagId);
    await projections.waitForPosition(position);

    const reads: Record<string, (db: DatabasePool) => Promise<unknown>> = {
      getPoll: (db) => getPoll(db, pollId),
      'getPoll by slug': (db) => getPoll(db, slug),
      'listPolls of an organizer': (db) => listPolls(db, { organizerId: 'organizer-1' }),
      getResults: (db) => getResults(db, pollId),
      getRawTally: (db) => getRawTally(db, pollId),
      findBallot: (db) => findBallot(db, pollId, ballots[1]!.ballotId),
      findFlag: (db) => findFlag(db, flagId),
      'listFlags of a poll': (db) => listFlags(db, { pollId }),
      'listFlags pending': (db) => listFlags(db, { status: 'pending' }),
      getAnalytics: (db) => getAnalytics(db, pollId),
    };
    const found: Record<string, string[]> = {};
    for (const [name, read] of Object.entries(reads)) found[name] = await wholeTableScans(read);
    expect(found).toEqual(Object.fromEntries(Object.keys(reads).map((name) => [name, []])));
    // The reads answered about the poll, not about nothing.
    expect(await getResults(h.sql, pollId)).toMatchObject({ totalBallots: 2 });
  });
});
