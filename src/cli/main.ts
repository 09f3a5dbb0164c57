#!/usr/bin/env node
import { Command } from 'commander';
import { OperatorError } from '../operator-error.ts';
import { registerAuditCommands } from './audit.ts';
import { registerMigrateCommand } from './migrate.ts';
import { registerRegistrySandboxCommand } from './registry-sandbox.ts';
import { registerStartCommands } from './start.ts';
import { registerUsersImportCommand } from './users-import.ts';
import { registerWorkerCommand } from './worker.ts';
import { registerReconcileCommand } from './projections-reconcile.ts';
import { registerRebuildCommand } from './projections-rebuild.ts';
import { registerParkedCommands } from './projections-parked.ts';
import { registerStatusCommand } from './projections-status.ts';
import { registerServeCommand } from './serve.ts';

/** `pollster`: one CLI for every process and operator task; every command has --help. */
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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Operator mistakes (bad config, a port or folder in use) get one clear line, not a stack trace.
  if (error instanceof OperatorError) {
    console.error(`pollster: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
