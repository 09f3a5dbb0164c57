import type { Command } from 'commander';
import { PROJECTION_NAMES } from '../projections/names.ts';

/**
 * What the `pollster projections ...` definitions share: the command group (whichever file
 * registers first creates it) and the projection names, checked before anything is loaded.
 */
export function projectionsGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'projections') ?? program.command('projections').description('projection tools');
}

export const PROJECTION_LIST = PROJECTION_NAMES.join(', ');

export function checkProjectionName(command: Command, name: string): void {
  if (!PROJECTION_NAMES.includes(name)) command.error(`pollster: no projection named "${name}"; known: ${PROJECTION_LIST}`);
}
