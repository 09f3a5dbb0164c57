import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { onInterrupt } from './interrupt.ts';
import { stringFlag } from './measure.ts';

/**
 * A server process of the bench (Pollster, Redis, NATS) started in a session of its own, as a
 * service manager starts each service: systemd gives every unit a cgroup, Docker every container,
 * and the kernel shares the cores fairly between those groups before it shares them between the
 * threads inside one. Linux's autogroup does the same per session, so children left in the
 * bench's session would share one group with the load generator, which stands for clients on
 * other machines (README, "Benchmarks"). `shared` keeps them there, to compare.
 *
 * Outside the bench's session the terminal's Ctrl-C no longer reaches them: they are stopped when
 * the bench exits, whatever the reason.
 */
export type Sessions = 'own' | 'shared';

let sessions: Sessions = 'own';
const running = new Set<ChildProcess>();

/** `--sessions own|shared` (default own), for the whole run. */
export function useSessionsFlag(args: readonly string[]): void {
  const value = stringFlag(args, 'sessions', 'own');
  if (value !== 'own' && value !== 'shared') throw new Error('--sessions takes own or shared');
  sessions = value;
}

export const currentSessions = (): Sessions => sessions;

export function spawnService(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: sessions === 'own' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

const stopAll = () => {
  for (const child of running) child.kill('SIGTERM');
};
process.once('exit', stopAll);
onInterrupt(stopAll);
