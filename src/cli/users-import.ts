import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ImportFormat } from '../adapters/user-import/parse-rows.ts';

/** Exit codes of `pollster users import`, for scripts: a partial import is not a failed one. */
export const IMPORT_EXIT = {
  /** Every row imported, or skipped because its email has an account. */
  ok: 0,
  /** The import stopped early (bad header, lost database, Ctrl-C), or a usage or configuration error. */
  stopped: 1,
  /** Read to the end, but some rows failed (listed on stderr): fix them and run the same file again. */
  rowsFailed: 2,
} as const;

const concurrency = (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256) throw new InvalidArgumentError('expected 1..256');
  return n;
};

/**
 * `pollster users import FILE [--format csv|jsonl]`: the API's import code run directly against
 * the database (DATABASE_URL, or the embedded one: stop the server first, it holds the data
 * folder). Setup tokens of accounts without a password go to a new file readable only by the
 * operator. Progress on stderr, the summary on stdout; Ctrl-C stops after the rows in flight.
 */
export function registerUsersImportCommand(program: Command): void {
  const users = program.commands.find((c) => c.name() === 'users') ?? program.command('users').description('account tools');
  users
    .command('import')
    .description('import accounts from a CSV file (with a header: email,displayName[,nationalId][,password]) or JSON lines; ' +
      'existing emails are skipped, so running a file again is safe')
    .argument('<file>', 'the file to import')
    .addOption(new Option('--format <format>', 'default: from the file extension').choices(['csv', 'jsonl']))
    .option('--setup-tokens <file>', 'where setup tokens go; refused if it exists (default: <file>.setup-tokens.csv, ' +
      'or .setup-tokens.2.csv, .3.csv ... when earlier runs left theirs)')
    .option('--concurrency <rows>', 'rows in flight (1..256)', concurrency, 32)
    .addHelpText('after', `
Exit codes:
  ${IMPORT_EXIT.ok}  every row imported, or skipped (email exists)
  ${IMPORT_EXIT.stopped}  the import stopped early, or a usage or configuration error
  ${IMPORT_EXIT.rowsFailed}  some rows failed (listed on stderr); fix them and run the file again`)
    .action(async (file: string, options: { format?: ImportFormat; setupTokens?: string; concurrency: number }, command: Command) => {
      const format = options.format ?? formatFromName(file);
      if (!format) command.error('pollster: say --format csv or --format jsonl (the extension does not tell)');
      const { importFile, UsageError } = await import('./run/users-import.ts');
      try {
        process.exitCode = await importFile({ file, format, concurrency: options.concurrency, setupTokens: options.setupTokens });
      } catch (error) {
        if (error instanceof UsageError) command.error(`pollster: ${error.message}`);
        throw error;
      }
    });
}

function formatFromName(file: string): ImportFormat | undefined {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'jsonl';
  if (/\.csv$/i.test(file)) return 'csv';
  return undefined;
}
