/**
 * Instant-runoff tabulation of a ranked question (API.md, "Results"). Each round every ballot
 * counts for its most preferred option still in the race; an option with more than half of the
 * ballots still active wins; otherwise the option with the fewest votes is eliminated and its
 * ballots move to their next preference. One option goes per round, so every transfer is visible.
 *
 * - A ranking may list only some options (skipped ranks): once all the options it lists are
 *   out, the ballot is exhausted and no longer part of the majority's base.
 * - `exhausted` in a round is the number of ballots exhausted so far (cumulative), so that in
 *   every round the tallies plus `exhausted` equal the ballots ranking this question.
 * - Ties for elimination: among the options with the fewest votes, the one with the fewest votes
 *   in the previous round goes, then the round before that, and so on back to round 1; options
 *   still tied go in `tieOrder` (a reproducible order the caller derives, see `seededTieOrder`).
 * - No rankings: no rounds and no winner.
 */
export type RunoffRound = {
  round: number;
  tallies: Record<string, number>;
  eliminated: string[];
  exhausted: number;
};

export type RunoffResult = { rounds: RunoffRound[]; winner: string | null };

/** Identical rankings come grouped: a million ballots over three options are at most 15 rankings. */
export type WeightedRanking = { ranking: readonly string[]; ballots: number };

export function instantRunoff(
  options: readonly string[],
  rankings: readonly WeightedRanking[],
  tieOrder: readonly string[],
): RunoffResult {
  const continuing = new Set(options);
  const rounds: RunoffRound[] = [];
  const history: Array<ReadonlyMap<string, number>> = [];
  const total = rankings.reduce((sum, r) => sum + r.ballots, 0);
  if (total === 0 || options.length === 0) return { rounds, winner: null };
  for (;;) {
    const tallies = new Map<string, number>(options.filter((o) => continuing.has(o)).map((o) => [o, 0]));
    let exhausted = 0;
    for (const { ranking, ballots } of rankings) {
      // Unknown or repeated ids never count: they are simply not "continuing".
      const top = ranking.find((o) => continuing.has(o));
      if (top === undefined) exhausted += ballots;
      else tallies.set(top, (tallies.get(top) ?? 0) + ballots);
    }
    const active = total - exhausted;
    const round: RunoffRound = { round: rounds.length + 1, tallies: Object.fromEntries(tallies), eliminated: [], exhausted };
    rounds.push(round);
    if (active === 0) return { rounds, winner: null }; // only rankings of unknown options were left
    const [leader, votes] = [...tallies].reduce((best, entry) => (entry[1] > best[1] ? entry : best));
    if (votes * 2 > active) return { rounds, winner: leader };
    const loser = lowest(tallies, history, tieOrder);
    round.eliminated = [loser];
    continuing.delete(loser);
    history.push(tallies);
  }
}

function lowest(
  tallies: ReadonlyMap<string, number>,
  history: ReadonlyArray<ReadonlyMap<string, number>>,
  tieOrder: readonly string[],
): string {
  let tied = fewest([...tallies.keys()], tallies);
  for (let k = history.length - 1; k >= 0 && tied.length > 1; k--) tied = fewest(tied, history[k]!);
  if (tied.length === 1) return tied[0]!;
  const rank = (o: string) => {
    const i = tieOrder.indexOf(o);
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  // Options missing from tieOrder (should not happen) go last, by id, so the result is still fixed.
  return [...tied].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))[0]!;
}

function fewest(candidates: readonly string[], tallies: ReadonlyMap<string, number>): string[] {
  const min = Math.min(...candidates.map((o) => tallies.get(o) ?? 0));
  return candidates.filter((o) => (tallies.get(o) ?? 0) === min);
}
