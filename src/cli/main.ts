#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { DataDirInUseError } from '../db/data-dir-lock.ts';
import { PoolConnectionError } from '../db/pool-errors.ts';
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
  // Operator mistakes (bad config, a folder in use, a server out of connections) get one clear line, not a stack trace.
  // (slonik wraps a refused connection in its ConnectionError, keeping ours as the cause.)
  const refused = error instanceof PoolConnectionError || (error instanceof Error && error.cause instanceof PoolConnectionError);
  if (error instanceof ConfigError || error instanceof DataDirInUseError || refused) {
    console.error(`pollster: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
