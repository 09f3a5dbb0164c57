import { writeFile } from 'node:fs/promises';

export interface ExportOptions {
  url: string;
  bucket: 'minute' | 'hour';
  out?: string;
}

const fail = (message: string): number => {
  process.stderr.write(`pollster: ${message}\n`);
  return 1;
};

/** What to do about a refusal, beyond the server's own words. */
const HINTS: Record<number, string> = {
  401: 'set POLLSTER_ACCESS_TOKEN to a current accessToken (POST /api/auth/login)',
  403: "analytics are for the poll's organizer, admins and analysts",
  404: 'check the poll id (a draft is visible to its organizer and admins only)',
};

async function refusal(response: Response): Promise<string> {
  const text = await response.text();
  let problem: { code?: string; detail?: string } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    // not problem+json (a proxy's page, say): the status alone has to do
  }
  const said = problem.code ? `${response.status} ${problem.code}: ${problem.detail ?? ''}` : `${response.status} ${response.statusText}`;
  const hint = HINTS[response.status];
  return `the server answered ${said}${hint ? ` (${hint})` : ''}`;
}

/** Exit code 0 with the CSV on stdout or in `out`; 1 with one line saying why not. */
export async function exportAnalytics(pollId: string, accessToken: string, options: ExportOptions): Promise<number> {
  const url = `${options.url.replace(/\/+$/, '')}/api/polls/${encodeURIComponent(pollId)}/analytics.csv?bucket=${options.bucket}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'text/csv' } });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return fail(`cannot reach ${options.url}: ${cause}`);
  }
  if (!response.ok) return fail(await refusal(response));
  // Bytes, not text(): decoding would drop the byte order mark a spreadsheet needs to read UTF-8.
  const csv = Buffer.from(await response.arrayBuffer());
  if (!options.out) {
    process.stdout.write(csv);
    return 0;
  }
  try {
    await writeFile(options.out, csv, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return fail(`${options.out} exists: choose another --out or remove it`);
    return fail(`cannot write ${options.out}: ${(error as Error).message}`);
  }
  process.stderr.write(`analytics of poll ${pollId} (${options.bucket}) written to ${options.out}\n`);
  return 0;
}
