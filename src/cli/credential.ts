import type { Command } from 'commander';
import type { CastOptions, RequestOptions } from './run/credential.ts';

/**
 * `pollster credential request|cast`: the voter's side of blind ballot credentials against any
 * Pollster server (README, "Blind ballot credentials"), with the same client module a browser
 * uses. Nothing here touches a database: it is an HTTP client.
 */
export function registerCredentialCommands(program: Command): void {
  const credential = program.command('credential').description("a voter's blind ballot credential: request it logged in, cast with it anonymously");
  credential
    .command('request')
    .description('blind a fresh credential for the poll, have the server sign it (logged in), unblind it and save it to a file (0600)')
    .argument('<pollId>')
    .requiredOption('--url <baseUrl>', 'the Pollster server, e.g. https://polls.example.org')
    .requiredOption('--out <file>', 'where the credential goes; refused if it already holds one. Keep it secret: it casts your ballot')
    .option('--fingerprint <sha256>', "the poll key's fingerprint you expect (from the organizer, or from another network); refuse any other")
    .addHelpText('after', `
The access token comes from POLLSTER_ACCESS_TOKEN (the accessToken of POST /api/auth/login), so it
stays out of your shell history. A lost answer is safe: run the same command again with the same
--out, which resends the same blinded message and gets the same signature.

Then WAIT (hours, not seconds) and, if you can, change network (another connection, Tor) before
\`pollster credential cast\`: the server saw when and from where you asked.`)
    .action(async (pollId: string, options: RequestOptions, command: Command) => {
      const token = process.env.POLLSTER_ACCESS_TOKEN;
      if (!token) command.error('pollster: set POLLSTER_ACCESS_TOKEN to your access token (POST /api/auth/login)');
      const { request } = await import('./run/credential.ts');
      process.exitCode = await request(pollId, token, options);
    });
  credential
    .command('cast')
    .description('cast (or with --change, replace) the ballot of a saved credential, without logging in')
    .argument('<pollId>')
    .requiredOption('--url <baseUrl>', 'the Pollster server')
    .requiredOption('--credential <file>', 'the file `pollster credential request` wrote')
    .requiredOption('--answers <json>', 'the answers as JSON (API.md, "Voting"), or @file to read them from a file')
    .option('--change', 'replace the ballot already cast with this credential (where the poll allows changing)')
    .action(async (pollId: string, options: CastOptions) => {
      const { cast } = await import('./run/credential.ts');
      process.exitCode = await cast(pollId, options);
    });
}
