import type { Command } from 'commander';
import type { VerifyOptions } from './run/audit.ts';

/**
 * `pollster audit verify <pollId> | --all | --file export.jsonl`, `pollster audit export <pollId>`
 * and `pollster audit checkpoint <pollId>` (src/audit/README.md). Reports on stdout, logs on
 * stderr; exit code 1 when any problem is found, so scripts and CI can rely on it.
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('integrity checks of the log: verify, key, export, checkpoint');
  audit
    .command('verify')
    .description('recompute the hash chains, check the signed checkpoint and re-tally the results from the log')
    .argument('[pollId]', 'the poll to verify')
    .option('--all', 'every poll in the log')
    .option('--file <export>', 'verify an export offline (no database)')
    .option('--key <fingerprint>', 'the key fingerprint you pinned (`pollster audit key`); checkpoints signed by a key no hand-over chains back to it are refused (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--public-key <key>', 'with --file: a trusted public key (base64, PEM, or a file holding one), pinned like --key')
    .option('--receipt <receipt>', 'with --file: also check this ballot receipt against the export')
    .option('--json', 'print the report as JSON')
    .action(async (pollId: string | undefined, options: VerifyOptions, command: Command) => {
      if (!options.file && !pollId && !options.all) command.error('pollster: say which poll, or --all, or --file <export>');
      const { verify } = await import('./run/audit.ts');
      process.exitCode = await verify(pollId, options);
    });
  audit
    .command('key')
    .description("the audit signing key's fingerprint (pin it), where the key lives and its earlier keys; --rotate adds a new key handed over to by the current one")
    .option('--fingerprint', 'print the fingerprint alone')
    .option('--json', 'print as JSON')
    .option('--rotate', 'append a new key to the key file and record the signed hand-over in the log (restart every node after)')
    .action(async (options: { fingerprint?: boolean; json?: boolean; rotate?: boolean }) => {
      const { showKey } = await import('./run/audit-key.ts');
      process.exitCode = await showKey(options);
    });
  audit
    .command('export')
    .description('JSON lines of every event of the poll in log order, its checkpoints, results and the public key, signed')
    .argument('<pollId>')
    .option('--out <file>', 'write here instead of stdout')
    .action(async (pollId: string, options: { out?: string }) => {
      const { exportOne } = await import('./run/audit.ts');
      await exportOne(pollId, options);
    });
  audit
    .command('checkpoint')
    .description('sign a checkpoint of the poll now (the worker does this on its own; for operators and tests)')
    .argument('<pollId>')
    .action(async (pollId: string) => {
      const { checkpointNow } = await import('./run/audit.ts');
      await checkpointNow(pollId);
    });
}
