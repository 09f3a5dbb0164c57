import type { PollResults } from '../domain/results/results.ts';
import { tally } from '../domain/results/tally.ts';
import { ballotStream, pollStream } from '../domain/shared/streams.ts';
import { canonicalJson } from '../event-store/integrity/canonical-json.ts';
import { checkStream, type StoredChainEvent } from '../event-store/integrity/chain.ts';
import { checkCheckpoints, type CheckpointSummary } from './verify-checkpoints.ts';
import { merkleRoot } from './merkle.ts';
import { headsThrough } from './checkpoint.ts';
import { ancestors, keyChain } from './key-handover.ts';
import { keyIdOf } from './signing.ts';
import { asStored, type EventSchemas, POLLSTER_SCHEMAS } from '../event-store/schema-versions.ts';

/**
 * The auditor's check of one poll, pure so that `pollster audit verify --file` runs it on an
 * export with no database: recompute every stream's chain, check the signed checkpoints, re-tally
 * the results from the events alone and compare them with the published ones.
 */
export interface VerifyInput {
  pollId: string;
  /** Every event of `poll-<id>` and `ballot-<id>-*`, in log order. */
  events: readonly StoredChainEvent[];
  checkpoints: readonly (StoredChainEvent & { data: unknown })[];
  /**
   * A public key the verifier trusts (the installation's own, online): it and the keys that handed
   * over to it, and those it handed over to. Without this or `pinnedKeyIds` each checkpoint's own
   * key is used, with a warning.
   */
  trustedKey?: string;
  /** Fingerprints an auditor pinned (`--key`): they and every key a valid hand-over chains to from them. */
  pinnedKeyIds?: readonly string[];
  /** The hand-overs of the log (`auditkey-handovers`), their data in log order. */
  handovers?: readonly unknown[];
  /** Results as published (read model, or the export's copy); undefined: nothing to compare with. */
  published?: PublishedResults | null;
  /** How far the checkpoint job says it has signed: the log must still hold a checkpoint that far. */
  expectedThrough?: bigint;
  /**
   * Event versions the re-tally upcasts stored events to (default: Pollster's). Only the counting
   * reads them: every hash, chain and checkpoint is checked over the events as stored.
   */
  schemas?: EventSchemas;
}

/** Results as JSON carries them: the position may be a number, string or bigint. */
export type PublishedResults = Omit<PollResults, 'position'> & { position: bigint | number | string };

export interface Problem {
  code: string;
  message: string;
  stream?: string;
  revision?: string;
  position?: string;
}

export interface VerifyReport {
  ok: boolean;
  pollId: string;
  eventsChecked: number;
  streams: number;
  chainOk: boolean;
  checkpoint: CheckpointSummary | null;
  checkpointsChecked: number;
  /** null when there was nothing published to compare with. */
  resultsMatch: boolean | null;
  /** The re-tallied results (null when the log does not create the poll). */
  results: PollResults | null;
  headHash: string;
  problems: Problem[];
  warnings: string[];
}

export function verifyPollLog(input: VerifyInput): VerifyReport {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const own = pollStream(input.pollId);
  const ballots = ballotStream(input.pollId, '');
  // Integrity over the events as stored: an event read from the store may come upcast.
  const events = input.events.filter((e) => e.stream === own || e.stream.startsWith(ballots)).map(asStored);
  const checkpoints = input.checkpoints.map(asStored);

  const byStream = new Map<string, StoredChainEvent[]>();
  for (const e of events) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e]);
  for (const stream of [...byStream.values()]) problems.push(...checkStream(stream).map(located));
  const chainProblems = problems.length;
  if (!byStream.has(own)) problems.push({ code: 'poll.missing', message: `the log holds no stream ${own}` });

  const checked = checkCheckpoints({ pollId: input.pollId, events, checkpoints, ...trust(input), ...(input.expectedThrough !== undefined ? { expectedThrough: input.expectedThrough } : {}) });
  // The counting over current shapes, made here from the stored form by the upcasters.
  const schemas = input.schemas ?? POLLSTER_SCHEMAS;
  const current = events.map((e) => schemas.upcast(e));
  problems.push(...checked.problems);
  warnings.push(...checked.warnings);

  let replay: PollResults | null = null;
  let compared: { match: boolean | null; problem?: Problem };
  try {
    replay = tally(input.pollId, current);
    compared = compareResults(input.pollId, current, input.published, warnings);
  } catch (error) {
    // Events the counting rules cannot read (malformed data) are a finding, not a crash.
    compared = { match: input.published === undefined ? null : false, problem: { code: 'results.replay-failed', message: `the log cannot be re-tallied: ${(error as Error).message}` } };
  }
  if (compared.problem) problems.push(compared.problem);

  const all = headsThrough(events);
  return {
    ok: problems.length === 0,
    pollId: input.pollId,
    eventsChecked: events.length + input.checkpoints.length,
    streams: byStream.size,
    chainOk: chainProblems === 0,
    checkpoint: checked.latest,
    checkpointsChecked: input.checkpoints.length,
    resultsMatch: compared.match,
    results: replay,
    headHash: merkleRoot(all.heads),
    problems,
    warnings,
  };
}

/** The fingerprints a verifier trusts: its roots and every key valid hand-overs chain to from them. */
export function trust(input: Pick<VerifyInput, 'trustedKey' | 'pinnedKeyIds' | 'handovers'>): { trustedKeyIds?: Set<string>; pinnedKeyId?: string } {
  const handovers = input.handovers ?? [];
  const roots = [...(input.pinnedKeyIds ?? [])];
  if (input.trustedKey !== undefined) roots.push(...ancestors(keyIdOf(input.trustedKey), handovers));
  if (roots.length === 0) return {};
  return { trustedKeyIds: keyChain(roots, handovers), pinnedKeyId: input.pinnedKeyIds?.[0] ?? keyIdOf(input.trustedKey!) };
}

const located = (p: { code: string; message: string; stream: string; revision: bigint; position: bigint }): Problem => ({
  code: p.code,
  message: p.message,
  stream: p.stream,
  revision: String(p.revision),
  position: String(p.position),
});

/** Both sides in one comparable form: canonical JSON with the position as a string. */
export function normalizeResults(results: PublishedResults | PollResults | null): string {
  if (results === null) return 'null';
  // The fields API.md fixes; anything a route or query adds beside them is not the count.
  const { pollId, status, totalBallots, flaggedPending, position, questions } = results;
  return canonicalJson(JSON.parse(JSON.stringify({ pollId, status, totalBallots, flaggedPending, position: String(position), questions })));
}

/**
 * The published results must equal a replay of the log up to the position they claim. A read
 * model that is merely behind is compared at its own position (and a warning says so); one that
 * claims a position the log does not reach, or counts differently, is a mismatch.
 */
function compareResults(
  pollId: string,
  events: readonly StoredChainEvent[],
  published: PublishedResults | null | undefined,
  warnings: string[],
): { match: boolean | null; problem?: Problem } {
  if (published === undefined) return { match: null };
  const replayed = tally(pollId, events);
  if (published === null) {
    if (replayed === null) return { match: true };
    return { match: false, problem: { code: 'results.not-published', message: 'the log holds the poll but no published results exist for it' } };
  }
  let at = replayed;
  const claimed = BigInt(published.position);
  if (replayed !== null && claimed < replayed.position) {
    warnings.push(`the published results are as of position ${claimed}, behind the log (${replayed.position}): compared at ${claimed}`);
    at = tally(pollId, events.filter((e) => e.position <= claimed));
  }
  if (normalizeResults(at) === normalizeResults(published)) return { match: true };
  return {
    match: false,
    problem: {
      code: 'results.mismatch',
      message: `the results replayed from the log (position ${at?.position ?? 'none'}) differ from the published ones (position ${claimed})`,
      position: String(claimed),
    },
  };
}
