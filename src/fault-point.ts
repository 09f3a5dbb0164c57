/**
 * Named places where a fault drill may kill this process outright (SIGKILL: nothing flushed,
 * nothing released), to prove that a crash at exactly that moment loses nothing. Armed only by
 * POLLSTER_FAULT_POINT=<name>, which no deployment sets; read once, so a disarmed point costs a
 * string comparison.
 */
const armed = process.env.POLLSTER_FAULT_POINT;

export type FaultPointName =
  /** The results read model has committed a batch; Redis and NATS have not heard of it yet. */
  'results-committed-before-redis';

export function faultPoint(name: FaultPointName): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
