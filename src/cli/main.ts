#!/usr/bin/env node
import { buildProgram } from './program.ts';

/** `pollster`: one CLI for every process and operator task; every command has --help. */
try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  // Operator mistakes (bad config, a folder in use) get one clear line, not a stack trace.
  // Loaded only here: when such an error was thrown, its module is loaded already.
  const [{ ConfigError }, { DataDirInUseError }] = await Promise.all([import('../config.ts'), import('../db/data-dir-lock.ts')]);
  if (error instanceof ConfigError || error instanceof DataDirInUseError) {
    console.error(`pollster: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
