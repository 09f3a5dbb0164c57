import { chmod, readFile, writeFile } from 'node:fs/promises';
import {
  blindCredential, castWithCredential, CredentialClientError, fetchCredentialKey, issue, type BallotCredential, type PendingCredential,
} from '../../client/blind-credential.ts';

export interface RequestOptions {
  url: string;
  out: string;
  fingerprint?: string;
}

export interface CastOptions {
  url: string;
  credential: string;
  answers: string;
  change?: boolean;
}

type Saved = { pending: PendingCredential; credential?: BallotCredential };

const fail = (message: string): number => {
  process.stderr.write(`pollster: ${message}\n`);
  return 1;
};

const explain = (error: unknown): string =>
  error instanceof CredentialClientError ? `the server answered ${error.message}` : error instanceof Error ? error.message : String(error);

async function readSaved(file: string): Promise<Saved | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  return text === undefined ? undefined : (JSON.parse(text) as Saved);
}

async function save(file: string, saved: Saved): Promise<void> {
  await writeFile(file, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** Exit code 0 with the credential saved; 1 with one line saying why not. */
export async function request(pollId: string, accessToken: string, options: RequestOptions): Promise<number> {
  try {
    const saved = await readSaved(options.out);
    if (saved?.credential) return fail(`${options.out} already holds a credential for poll ${saved.credential.pollId}: one per poll`);
    if (saved && saved.pending.pollId.toLowerCase() !== pollId.toLowerCase()) return fail(`${options.out} holds a request for another poll`);
    const key = await fetchCredentialKey({ baseUrl: options.url, pollId, ...(options.fingerprint ? { expectedFingerprint: options.fingerprint } : {}) });
    if (saved && saved.pending.fingerprint !== key.fingerprint) return fail(`the poll's key changed since ${options.out} was written: do not trust it`);
    // Saved before asking, so a lost answer is retried with the same blinded message.
    const pending = saved?.pending ?? (await blindCredential(pollId, key));
    if (!saved) await save(options.out, { pending });
    const credential = await issue({ baseUrl: options.url, pollId, accessToken, key, pending });
    await save(options.out, { pending, credential });
    process.stdout.write(`credential for poll ${pollId} saved to ${options.out} (poll key ${key.fingerprint})\n`
      + 'wait before casting it, and cast from another network if you can: the server saw when and from where you asked\n');
    return 0;
  } catch (error) {
    return fail(explain(error));
  }
}

export async function cast(pollId: string, options: CastOptions): Promise<number> {
  try {
    const saved = await readSaved(options.credential);
    if (!saved?.credential) return fail(`${options.credential} holds no credential (run pollster credential request first)`);
    const answersText = options.answers.startsWith('@') ? await readFile(options.answers.slice(1), 'utf8') : options.answers;
    const answers: unknown = JSON.parse(answersText);
    if (!Array.isArray(answers)) return fail('--answers must be a JSON array of answers');
    const receipt = await castWithCredential({ baseUrl: options.url, pollId, credential: saved.credential, answers, ...(options.change ? { change: true } : {}) });
    process.stdout.write(`${JSON.stringify(receipt)}\n`);
    return 0;
  } catch (error) {
    return fail(explain(error));
  }
}
