import { Command } from 'commander';
import { registerAuditCommands } from './audit.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerParkedCommands } from './projections-parked.ts';
import { registerRebuildCommand } from './projections-rebuild.ts';
import { registerReconcileCommand } from './projections-reconcile.ts';
import { registerStatusCommand } from './projections-status.ts';
import { registerRegistrySandboxCommand } from './registry-sandbox.ts';
import { registerServeCommand } from './serve.ts';
import { registerStartCommands } from './start.ts';
import { registerUsersImportCommand } from './users-import.ts';
import { registerWorkerCommand } from './worker.ts';

/**
 * Every command's definition. These files import only commander: what a command runs is loaded
 * by its action, so --help and usage errors answer without loading the runtime.
 */
export function buildProgram(): Command {
  const program = new Command()
    .name('pollster')
    .description('Pollster: an event-sourced voting ledger (API, live edge, projection worker and tools)')
    .showHelpAfterError();

  registerStartCommands(program);
  registerMigrateCommand(program);
  registerRegistrySandboxCommand(program);
  registerUsersImportCommand(program);
  registerWorkerCommand(program);
  registerServeCommand(program);
  registerReconcileCommand(program);
  registerRebuildCommand(program);
  registerParkedCommands(program);
  registerStatusCommand(program);
  registerAuditCommands(program);

  return program;
}

