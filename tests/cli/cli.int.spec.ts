import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { IMPORT_EXIT } from '../../src/cli/users-import.ts';
import { serviceUrls } from '../support/services.ts';

/**
 * The real `pollster` as an operator runs it: a child process on src/cli/main.ts. Help must not
 * wait for the runtime to load (it took 1.3-5.6 s when every command imported it up front); the
 * bound leaves room for a busy machine.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const HELP_BOUND_MS = 1000;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function pollster(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
  });
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

/** Every command path of the program, groups included: a new command is covered without editing this file. */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [path, ...commandPaths(sub, path)];
  });
}

describe('pollster --help', () => {
  it.each([[], ...commandPaths(buildProgram())].map((path) => [path.join(' ') || '(top level)', path] as const))(
    '%s answers at once',
    async (_name, path) => {
      const ran = await pollster([...path, '--help']);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toContain(`Usage: pollster ${path.join(' ')}`.trimEnd());
      expect(ran.ms).toBeLessThan(HELP_BOUND_MS);
    },
  );
});

describe('usage errors', () => {
  it('print the error and the usage line, nothing more', async () => {
    for (const [args, usage] of [
      [['users', 'import', '--no-such-option', 'people.csv'], 'Usage: pollster users import [options] <file>  (pollster users import --help for more)'],
      [['users', 'import', '--formt', 'csv', 'people.csv'], 'Usage: pollster users import [options] <file>  (pollster users import --help for more)'],
      [['audit', 'export'], 'Usage: pollster audit export [options] <pollId>  (pollster audit export --help for more)'],
      [['--no-such-option'], 'Usage: pollster [options] [command]  (pollster --help for more)'],
    ] as const) {
      const ran = await pollster([...args]);
      expect(ran.code, args.join(' ')).not.toBe(0);
      expect(ran.stdout).toBe('');
      const [error, ...rest] = lines(ran.stderr);
      expect(error).toMatch(/^error: /);
      expect(rest).toEqual([usage]);
    }
  });
});

describe('pollster users import', () => {
  const admin = () => new pg.Client({ connectionString: serviceUrls.postgres });
  const name = `pollster_cli_${randomBytes(6).toString('hex')}`;
  let env: Record<string, string>;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`).finally(() => client.end());
    const url = new URL(serviceUrls.postgres);
    url.pathname = `/${name}`;
    // An empty database: the import applies the migrations itself.
    env = { DATABASE_URL: url.toString(), EVENT_STORE: 'postgres', LOG_LEVEL: 'warn' };
    dir = await mkdtemp(join(tmpdir(), 'pollster-cli-'));
    file = join(dir, 'people.csv');
    await writeFile(file, 'email,displayName\nada@cli.example,Ada\nnot-an-email,Broken\ngrace@cli.example,Grace\n');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => client.end());
  });

  const tokensFiles = async () => (await readdir(dir)).filter((f) => f.includes('.setup-tokens')).sort();

  it('exits 2 when a row failed, and a re-run does the same without touching the first tokens file', async () => {
    const first = await pollster(['users', 'import', file], env);
    expect(first.code, first.stderr).toBe(IMPORT_EXIT.rowsFailed);
    expect(first.stdout).toContain('imported 2, skipped 0 (email exists), failed 1 of 3 rows');
    expect(first.stderr).toContain('line 3: ');
    expect(await tokensFiles()).toEqual(['people.csv.setup-tokens.csv']);
    const tokens = await readFile(`${file}.setup-tokens.csv`, 'utf8');
    expect(lines(tokens)).toHaveLength(3);
    expect((await stat(`${file}.setup-tokens.csv`)).mode & 0o777).toBe(0o600);

    const again = await pollster(['users', 'import', file], env);
    expect(again.code, again.stderr).toBe(IMPORT_EXIT.rowsFailed);
    expect(again.stdout).toContain('imported 0, skipped 2 (email exists), failed 1 of 3 rows');
    expect(await tokensFiles()).toEqual(['people.csv.setup-tokens.csv']); // no tokens, no file

    await appendFile(file, 'alan@cli.example,Alan\n');
    const grown = await pollster(['users', 'import', file], env);
    expect(grown.code, grown.stderr).toBe(IMPORT_EXIT.rowsFailed);
    expect(grown.stdout).toContain(`1 setup tokens written to ${file}.setup-tokens.2.csv`);
    expect(await tokensFiles()).toEqual(['people.csv.setup-tokens.2.csv', 'people.csv.setup-tokens.csv']);
    expect(await readFile(`${file}.setup-tokens.csv`, 'utf8')).toBe(tokens);
    expect(await readFile(`${file}.setup-tokens.2.csv`, 'utf8')).toMatch(/^email,setupToken\nalan@cli\.example,\S+\n$/);
  });

  it('refuses a --setup-tokens file that exists, and exits 0 when every row is imported', async () => {
    const named = join(dir, 'people.csv.setup-tokens.csv');
    const refused = await pollster(['users', 'import', file, '--setup-tokens', named], env);
    expect(refused.code).toBe(1);
    expect(lines(refused.stderr)[0]).toBe(`pollster: ${named} exists; move it away or name another file with --setup-tokens`);

    const clean = join(dir, 'clean.csv');
    await writeFile(clean, 'email,displayName\nlinus@cli.example,Linus\n');
    const ran = await pollster(['users', 'import', clean], env);
    expect(ran.code, ran.stderr).toBe(IMPORT_EXIT.ok);
    expect(ran.stdout).toContain('imported 1, skipped 0 (email exists), failed 0 of 1 rows');
  });
});
