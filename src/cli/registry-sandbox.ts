import type { Command } from 'commander';

export function registerRegistrySandboxCommand(program: Command): void {
  program
    .command('registry-sandbox')
    .description('run the sandbox national ID registry (a small fixture set) so identity checks work without the government service')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '4100')
    .option('--latency <ms>', 'added delay per answer, to try timeouts', '0')
    .action(async (options: { host: string; port: string; latency: string }) => {
      const { startRegistrySandbox } = await import('../adapters/national-registry/sandbox/index.ts');
      const sandbox = await startRegistrySandbox({ host: options.host, port: Number(options.port), latencyMs: Number(options.latency) });
      console.log(`sandbox registry at ${sandbox.url}  (set REGISTRY_URL=${sandbox.url})`);
      console.log('people (national id, name, status):');
      for (const person of sandbox.fixtures) console.log(`  ${person.nationalId}  ${person.fullName}  ${person.status}`);
      const stop = () => void sandbox.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
