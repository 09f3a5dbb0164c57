#!/usr/bin/env node
import { OperatorError } from '../operator-error.ts';
import { buildProgram } from './program.ts';

/** `pollster`: one CLI for every process and operator task; every command has --help. */
try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Operator mistakes (bad config, a port or folder in use, a server out of connections) get one
  // clear line, not a stack trace (slonik wraps a refused connection, keeping ours as the cause).
  if (error instanceof OperatorError || (error instanceof Error && error.cause instanceof OperatorError)) {
    console.error(`pollster: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
