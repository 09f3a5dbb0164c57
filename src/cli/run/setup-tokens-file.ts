import type { WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';

export class TokensFileExists extends Error {}

/**
 * The file a run's setup tokens go to, created before the import so a refusal costs nothing.
 * Tokens are shown nowhere else, so an earlier run's file is never overwritten: a path the
 * operator named is refused if it exists; the default takes the next free number
 * (FILE.setup-tokens.csv, FILE.setup-tokens.2.csv, ...), so running a file again needs no
 * clean-up first. Mode 600: the tokens let anyone set the accounts' passwords.
 */
export async function createTokensFile(file: string, named: string | undefined): Promise<{ path: string; stream: WriteStream }> {
  for (let n = 1; ; n++) {
    const path = named ?? (n === 1 ? `${file}.setup-tokens.csv` : `${file}.setup-tokens.${n}.csv`);
    try {
      const handle = await open(path, 'wx', 0o600);
      return { path, stream: handle.createWriteStream() };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (named !== undefined) throw new TokensFileExists(`${path} exists; move it away or name another file with --setup-tokens`);
    }
  }
}
