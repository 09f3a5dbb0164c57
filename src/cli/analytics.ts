import { type Command, Option } from 'commander';
import type { ExportOptions } from './run/analytics-export.ts';

/**
 * `pollster analytics export <pollId>`: exportAnalyticsCsv from any Pollster server, for analysts
 * who script their downloads. An HTTP client like `pollster credential`: no database, the token
 * from the environment.
 */
export function registerAnalyticsCommands(program: Command): void {
  const analytics = program.command('analytics').description("a poll's engagement figures (the organizer, admins and analysts)");
  analytics
    .command('export')
    .description('download the analytics of a poll as one CSV table (README, "Analytics": the columns)')
    .argument('<pollId>')
    .requiredOption('--url <baseUrl>', 'the Pollster server, e.g. https://polls.example.org')
    .addOption(new Option('--bucket <width>', 'the width of the time series buckets').choices(['minute', 'hour']).default('minute'))
    .option('--out <file>', 'write here instead of stdout; refused if it exists')
    .addHelpText('after', `
The access token comes from POLLSTER_ACCESS_TOKEN (the accessToken of POST /api/auth/login), so it
stays out of your shell history. Exit code 0 with the CSV written; 1 with one line saying why not
(401: the token is missing, expired or revoked; 403: not the poll's organizer, an admin or an
analyst; 404: no such poll).`)
    .action(async (pollId: string, options: ExportOptions, command: Command) => {
      const token = process.env.POLLSTER_ACCESS_TOKEN;
      if (!token) command.error('pollster: set POLLSTER_ACCESS_TOKEN to your access token (POST /api/auth/login)');
      const { exportAnalytics } = await import('./run/analytics-export.ts');
      process.exitCode = await exportAnalytics(pollId, token, options);
    });
}
