import { Command } from 'commander';
import { registerAnalyticsCommands } from './analytics.ts';
import { registerAuditCommands } from './audit.ts';
import { registerCredentialCommands } from './credential.ts';
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
    // Subcommands copy this when they are created, so it comes before the registrations.
    .configureOutput({ outputError: (message, write) => write(`${oneLine(message)}\n`) });

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
  registerCredentialCommands(program);
  registerAnalyticsCommands(program);

  usageLineAfterErrors(program);
  return program;
}

/** commander puts "(Did you mean --format?)" on a line of its own; a usage error stays one line. */
const oneLine = (message: string) => message.trim().replace(/\s*\n\s*/g, ' ');

/**
 * After a usage error, the command's usage line and where the rest is, not the whole help: the
 * error stays in sight. Set on each command because the line names that command.
 */
function usageLineAfterErrors(command: Command): void {
  const path: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) path.unshift(c.name());
  command.showHelpAfterError(`Usage: ${command.createHelp().commandUsage(command)}  (${path.join(' ')} --help for more)`);
  for (const sub of command.commands) usageLineAfterErrors(sub);
}
