import { writeSync } from 'node:fs';

/**
 * Fault points for crash drills (tests/projections/crash.drill.spec.ts, tests/live/redis-crash.int.spec.ts). With
 * POLLSTER_FAULT_POINT=<point>[@<n>] the process SIGKILLs itself the n-th time (default: the
 * first) it passes that point, so a drill crashes a worker exactly where a crash could lose or
 * double-count something, rather than killing at random and mostly hitting idle moments. Only
 * tests set it; unset, a point costs one comparison.
 *
 * - `projection.before-commit`: a projection transaction has written its rows and moved its
 *   checkpoint, and has not committed (a restart must find neither)
 * - `projection.after-commit`: it committed, and the runner has not yet noted it, fanned it out or
 *   read further (a restart must not apply it again)
 *
 * - `results.committed-before-redis`: the results read model committed a batch that touched polls;
 *   Redis and NATS have not heard of it yet (tests/live/redis-crash.int.spec.ts)
 *
 * The projection points count only transactions that applied events of their own.
 */
const FAULT_POINTS = ['projection.before-commit', 'projection.after-commit', 'results.committed-before-redis'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

const armed = parse(process.env.POLLSTER_FAULT_POINT);
let hits = 0;

export function faultPoint(point: FaultPoint): void {
  if (armed?.point !== point || ++hits < armed.hit) return;
  // Synchronous: nothing written asynchronously survives the kill.
  writeSync(2, `pollster: fault point ${point}@${hits} reached: SIGKILL\n`);
  process.kill(process.pid, 'SIGKILL');
}

function parse(value: string | undefined): { point: FaultPoint; hit: number } | undefined {
  if (!value) return undefined;
  const match = /^([a-z.-]+)(?:@([1-9]\d*))?$/.exec(value);
  const point = FAULT_POINTS.find((p) => p === match?.[1]);
  // A typo must not leave a drill passing without ever crashing anything.
  if (!match || !point) throw new Error(`POLLSTER_FAULT_POINT=${value}: expected one of ${FAULT_POINTS.join(', ')}, optionally followed by @<n>`);
  return { point, hit: Number(match[2] ?? 1) };
}
