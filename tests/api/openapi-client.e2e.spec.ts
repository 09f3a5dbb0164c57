import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerWith } from '../support/api-client.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

/**
 * The generated-client path of the README, end to end: a typed client generated from the served
 * /api/openapi.json with openapi-typescript, a small program written against it with
 * openapi-fetch, compiled by tsc (strict) and run against the real server over HTTP: register,
 * log in, create, open, cast, results, the analytics CSV and the first frame of the server-sent events.
 */
let t: TestApp;
let baseUrl: string;
const dir = resolve('test-artifacts', `openapi-client-${randomUUID()}`);

beforeAll(async () => {
  t = await createTestApp();
  baseUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
  mkdirSync(dir, { recursive: true });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

/** Written against the generated types only: every body below is checked by tsc. */
const PROGRAM = `
import createClient from 'openapi-fetch';
import type { components, paths } from './schema.ts';

type Results = components['schemas']['Results'];
type LiveFrame = components['schemas']['LiveFrame'];

const [baseUrl, adminToken] = process.argv.slice(2) as [string, string];
const api = createClient<paths>({ baseUrl });
const fail = (step: string, error: unknown): never => { throw new Error(step + ': ' + JSON.stringify(error)); };

const email = 'client-' + Date.now() + '@example.org';
const password = 'a long enough password';
const registered = await api.POST('/api/auth/register', { body: { email, password, displayName: 'Generated Client' } });
const userId: string = registered.data?.userId ?? fail('register', registered.error);

const granted = await api.POST('/api/admin/users/{userId}/roles', {
  params: { path: { userId } }, body: { role: 'organizer' }, headers: { authorization: 'Bearer ' + adminToken },
});
if (granted.response.status !== 204) fail('grantRole', granted.error);

const login = await api.POST('/api/auth/login', { body: { email, password } });
const token: string = login.data?.accessToken ?? fail('login', login.error);
const headers = { authorization: 'Bearer ' + token };

const poll: components['schemas']['CreatePollRequest'] = {
  title: 'Lunch',
  questions: [{ text: 'Where?', kind: 'single', options: [{ text: 'Pizza' }, { text: 'Sushi' }] }],
  settings: { voterPolicy: 'account', visibility: 'public' },
};
const created = await api.POST('/api/polls', { body: poll, headers });
const pollId: string = created.data?.pollId ?? fail('createPoll', created.error);
const opened = await api.POST('/api/polls/{pollId}/open', { params: { path: { pollId } }, headers });
if (opened.data?.status !== 'active') fail('openPoll', opened.error);

const got = await api.GET('/api/polls/{pollIdOrSlug}', { params: { path: { pollIdOrSlug: pollId } }, headers });
const question = got.data?.questions[0] ?? fail('getPoll', got.error);
const option = question.options?.[0] ?? fail('getPoll options', question);

const cast = await api.POST('/api/polls/{pollId}/ballots', {
  params: { path: { pollId } },
  body: { answers: [{ questionId: question.questionId, optionIds: [option.optionId] }], startedAt: new Date(Date.now() - 5_000).toISOString() },
  headers,
});
const position: number = cast.data?.position ?? fail('castBallot', cast.error);

const results = await api.GET('/api/polls/{pollId}/results', { params: { path: { pollId }, query: { at: position } }, headers });
const tally: Results = results.data ?? fail('getResults', results.error);

// the CSV download is typed text; its query is typed too (bucket: 'minute' | 'hour')
const csv = await api.GET('/api/polls/{pollId}/analytics.csv', { params: { path: { pollId }, query: { bucket: 'hour' } }, headers, parseAs: 'text' });
const csvText: string = csv.data ?? fail('exportAnalyticsCsv', csv.error);

const sse = await api.GET('/api/polls/{pollId}/live/sse', { params: { path: { pollId } }, headers, parseAs: 'stream' });
const reader = (sse.data ?? fail('liveResultsSse', sse.response.status)).pipeThrough(new TextDecoderStream()).getReader();
let text = '';
// a \`retry:\` hint may come first, and under load the first snapshot may come before the
// projection has the ballot: read frames until one counts it (later frames are updates)
let first: LiveFrame | undefined;
let latest: LiveFrame | undefined;
while (latest === undefined || latest.results.totalBallots < 1) {
  const { value, done } = await reader.read();
  if (done) break;
  text += value;
  const events = text.split('\\n\\n');
  text = events.pop() ?? '';
  for (const event of events) {
    const data = event.split('\\n').find((line) => line.startsWith('data: '));
    if (data === undefined) continue;
    latest = JSON.parse(data.slice('data: '.length)) as LiveFrame;
    first ??= latest;
  }
}
await reader.cancel();
const firstFrame = first ?? fail('sse frame', text);
const latestFrame = latest ?? fail('sse frame', text);

console.log(JSON.stringify({
  pollId, position, totalBallots: tally.totalBallots, votes: tally.questions[0]?.options[0]?.votes, csvHeader: csvText.split('\\r\\n')[0],
  frame: { type: firstFrame.type, totalBallots: latestFrame.results.totalBallots },
}));
`;

/** Must not compile: proves the generated types are real types, not `any`. */
const MISTAKES = `
import createClient from 'openapi-fetch';
import type { components, paths } from './schema.ts';
const api = createClient<paths>({ baseUrl: 'http://127.0.0.1' });
await api.POST('/api/polls/{pollId}/ballots', { params: { path: { pollId: 'x' } }, body: { answer: [] } });
const results = {} as components['schemas']['Results'];
const wrong: string = results.totalBallots;
`;

/** One tsc run over both files (type-checking the generated schema is the slow part): messages per file. */
function compile(files: string[]): Map<string, string[]> {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.asynciterable.d.ts'],
    types: ['node'],
  });
  const messages = new Map(files.map((file) => [file, [] as string[]]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file ? resolve(d.file.fileName) : files[0]!;
    (messages.get(file) ?? messages.get(files[0]!)!).push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }
  return messages;
}

describe('a client generated from /api/openapi.json', () => {
  it('compiles (strict) and runs register, login, create, open, cast, results, the analytics CSV and the first SSE frame', async () => {
    const document = await (await fetch(`${baseUrl}/api/openapi.json`)).json();
    const types = astToString(await openapiTS(document as Parameters<typeof openapiTS>[0]));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'schema.ts'), types);
    writeFileSync(join(dir, 'program.ts'), PROGRAM);
    writeFileSync(join(dir, 'mistakes.ts'), MISTAKES);

    // named types for the bodies, not inline shapes
    for (const name of ['Poll', 'Question', 'Ballot', 'BallotReceipt', 'Results', 'Flag', 'Problem', 'LiveFrame', 'ImportUserRow', 'AnalyticsCsvRow']) {
      expect(types, name).toMatch(new RegExp(`\\b${name}: \\{`));
    }
    const diagnostics = compile([join(dir, 'program.ts'), join(dir, 'mistakes.ts')]);
    expect(diagnostics.get(join(dir, 'program.ts'))).toEqual([]);
    const mistakes = diagnostics.get(join(dir, 'mistakes.ts')) ?? [];
    expect(mistakes.some((m) => m.includes("'answer'"))).toBe(true);
    expect(mistakes.some((m) => m.includes("'number' is not assignable to type 'string'"))).toBe(true);

    const admin = await callerWith(t, 'admin');
    const { stdout } = await promisify(execFile)(process.execPath, [join(dir, 'program.ts'), baseUrl, admin.headers.authorization!.replace(/^Bearer /, '')], { timeout: 60_000 });
    const outcome = JSON.parse(stdout.trim().split('\n').pop()!);
    // Response.text() decodes UTF-8 and drops the byte order mark the server sends for spreadsheets.
    expect(outcome).toMatchObject({ totalBallots: 1, votes: 1, frame: { type: 'snapshot', totalBallots: 1 }, csvHeader: 'section,key,label,value,shown,rate' });
    expect(outcome.position).toBeGreaterThan(0);
  }, 120_000); // tsc over the generated types takes most of it on a small machine
});
