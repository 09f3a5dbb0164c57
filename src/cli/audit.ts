import type { Command } from 'commander';
import type { VerifyOptions } from './run/audit.ts';
import type { ReceiptOptions } from './run/audit-receipt.ts';
import type { WitnessOptions } from './run/audit-witness.ts';

/**
 * `pollster audit verify <pollId> | --all | --file export.jsonl`, `pollster audit export <pollId>`
 * and `pollster audit checkpoint <pollId>` (src/audit/README.md). Reports on stdout, logs on
 * stderr; exit code 1 when any problem is found, so scripts and CI can rely on it.
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('integrity checks of the log: verify, key, witness, receipt, export, checkpoint');
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
    .command('witness')
    .description("follow a server's checkpoint feed from your own machine, keep every checkpoint, and exit 2 with a report on a rollback, fork, gap or key change")
    .requiredOption('--from <url>', 'the server (https://polls.example.org) or its feed URL (…/api/audit/checkpoints.jsonl)')
    .option('--key <fingerprint>', 'the key fingerprint you pinned (`pollster audit key` on the server); needed on the first run, kept in the state')
    .requiredOption('--state <dir>', 'where the witness keeps what it saw (state.json, checkpoints.jsonl, findings.jsonl)')
    .option('--once', 'read the feed to its end once, then exit (0: nothing wrong)')
    .option('--interval <seconds>', 'between reads of the feed when following', '5')
    .action(async (options: WitnessOptions) => {
      const { witness } = await import('./run/audit-witness.ts');
      process.exitCode = await witness(options);
    });
  audit
    .command('receipt')
    .description("prove a ballot receipt is included under one checkpoint (its hash, as a witness kept it): the chain from the ballot to its stream's signed head, and the Merkle path to the checkpoint's root")
    .argument('<receipt>')
    .requiredOption('--checkpoint <hash>', 'the checkpoint hash (from a witness\'s checkpoints.jsonl or the feed)')
    .option('--from <url>', 'the server to ask for the proof')
    .option('--proof <file>', 'a proof saved before (GET /api/receipts/<receipt>/proof?checkpoint=<hash>), checked offline')
    .option('--key <fingerprint>', 'the pinned key fingerprint: the checkpoint must be signed by it')
    .option('--state <dir>', "a witness's state: the checkpoint must be one it kept, and keys handed over to from its pin count")
    .action(async (receipt: string, options: ReceiptOptions, command: Command) => {
      if (!options.from && !options.proof) command.error('pollster: say where the proof comes from: --from <url> or --proof <file>');
      const { receiptProof } = await import('./run/audit-receipt.ts');
      process.exitCode = await receiptProof(receipt, options);
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
