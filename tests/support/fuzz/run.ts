import type { FastifyInstance } from 'fastify';
import { sql } from 'slonik';
import type { Services } from '../../../src/runtime/services.ts';
import { callerWith } from '../api-client.ts';
import { createFixtures } from './fixtures.ts';
import { ECHO_LIMIT } from './hostile.ts';
import { Random } from './random.ts';
import { buildRequest, operationsOf, type FuzzRequest } from './requests.ts';

export interface FuzzOptions {
  app: FastifyInstance;
  services: Services;
  seed: number;
  requests: number;
  /** A request that has not answered by then counts as hung. */
  timeoutMs?: number;
  /** Progress lines (the bench prints them). */
  log?: (line: string) => void;
}

export type FindingKind = '5xx' | 'non-problem 4xx' | 'write on rejected input' | 'echo' | 'hang' | 'import report leak';

export interface Finding {
  kind: FindingKind;
  status: number;
  request: Pick<FuzzRequest, 'operation' | 'who' | 'method' | 'mutation'> & { url: string };
  response: string;
}

export interface FuzzReport {
  seed: number;
  requests: number;
  byStatus: Record<string, number>;
  /** Requests and milliseconds per operation: where a run's time goes. */
  byOperation: Record<string, { requests: number; ms: number }>;
  counts: Record<FindingKind, number>;
  /** The first few findings of each kind, enough to reproduce them. */
  findings: Finding[];
  seconds: number;
}

const KINDS: FindingKind[] = ['5xx', 'non-problem 4xx', 'write on rejected input', 'echo', 'hang', 'import report leak'];
const KEEP_PER_KIND = 5;
/** What an import job must never report to the admin: internals of the database or the store. */
const INTERNAL = /import stopped|jsonb|byte sequence|event-store|\u0000|SQL|slonik|pg_/i;

/**
 * Sends `requests` generated requests, one at a time (so a write can be blamed on the request
 * that made it), as every kind of caller, to every operation of the app's own OpenAPI document,
 * and checks what Pollster promises about bad input: never a 5xx, every 4xx problem+json with a
 * string `code`, nothing written by a refused request, no long echo of the input.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { app, services } = options;
  const random = new Random(options.seed);
  const started = performance.now();
  const fixtures = await createFixtures(options, await callerWith(options, 'admin'));
  const operations = operationsOf(app.swagger() as never);
  const report: FuzzReport = {
    seed: options.seed, requests: 0, byStatus: {}, byOperation: {}, counts: Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<FindingKind, number>, findings: [], seconds: 0,
  };
  const find = (kind: FindingKind, request: FuzzRequest, status: number, response: string) => {
    report.counts[kind]++;
    if (report.findings.filter((f) => f.kind === kind).length < KEEP_PER_KIND) {
      const { operation, who, method, mutation } = request;
      report.findings.push({ kind, status, request: { operation, who, method, mutation, url: request.url.length > 300 ? `${request.url.slice(0, 300)}…` : request.url }, response: response.slice(0, 500) });
    }
  };

  for (let n = 0; n < options.requests; n++) {
    const request = n % 20 === 19 ? strayRequest(random, fixtures.callers) : buildRequest(random.pick(operations), fixtures, random);
    const before = await eventCount(services);
    const sent = performance.now();
    const response = await inject(app, request, options.timeoutMs ?? 10_000);
    report.requests++;
    const spent = (report.byOperation[request.operation] ??= { requests: 0, ms: 0 });
    spent.requests++;
    spent.ms += performance.now() - sent;
    if (response === 'hang') {
      find('hang', request, 0, '');
      continue;
    }
    const { status, body, contentType } = response;
    report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
    if (status >= 500) find('5xx', request, status, body);
    if (status >= 400) {
      if (!isProblem(request.method, contentType, body)) find('non-problem 4xx', request, status, body);
      if ((await eventCount(services)) !== before) find('write on rejected input', request, status, `${body}\n    wrote ${await newest(services)}`);
      if (request.long.some((text) => body.includes(text.slice(0, ECHO_LIMIT + 1)))) find('echo', request, status, body);
    }
    if (status === 202 && request.operation === 'importUsers') {
      const leak = await importLeak(app, fixtures.callers.get('admin')!.headers, JSON.parse(body).jobId as string);
      if (leak) find('import report leak', request, status, leak);
    }
    if (options.log && (n + 1) % 1000 === 0) options.log(`  ${n + 1} requests, ${Math.round((performance.now() - started) / 1000)} s`);
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/**
 * Rows, not `store.headPosition()`: the head is read below the oldest open transaction, which the
 * projections' own transactions hold back, so a write would show up one request late and be
 * blamed on the next one. Requests go one at a time, so the count moves only with this request.
 */
async function eventCount(services: Services): Promise<number> {
  return Number(await services.sql.oneFirst(sql.unsafe`SELECT count(*) FROM events`));
}

async function inject(app: FastifyInstance, request: FuzzRequest, timeoutMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), timeoutMs);
  });
  const answer = app
    .inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) })
    .then((r) => ({ status: r.statusCode, body: r.body, contentType: String(r.headers['content-type'] ?? '') }));
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the last event was, to tell which request wrote it. */
async function newest(services: Services): Promise<string> {
  const row = await services.sql.maybeOne(sql.unsafe`SELECT stream, type, metadata FROM events ORDER BY position DESC LIMIT 1`);
  return JSON.stringify(row);
}

function isProblem(method: string, contentType: string, body: string): boolean {
  if (!contentType.startsWith('application/problem+json')) return false;
  // HEAD answers carry the headers of the GET, without its body.
  if (method === 'HEAD') return true;
  try {
    const parsed = JSON.parse(body) as { code?: unknown; status?: unknown };
    return typeof parsed.code === 'string' && typeof parsed.status === 'number';
  } catch {
    return false;
  }
}

/** Waits for the job (its rows write events: they must be done before the next request is judged) and reads its report. */
async function importLeak(app: FastifyInstance, headers: Record<string, string>, jobId: string): Promise<string | undefined> {
  for (let i = 0; i < 500; i++) {
    const job = (await app.inject({ method: 'GET', url: `/api/admin/jobs/${jobId}`, headers })).json() as { status: string; errors: Array<{ line: number; message: string }> };
    if (job.status === 'done' || job.status === 'failed') {
      const leaked = job.errors.find((e) => INTERNAL.test(e.message) || e.message.length > 300);
      return leaked ? JSON.stringify(leaked).slice(0, 500) : undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return `job ${jobId} did not finish`;
}

/** Requests no operation matches: unknown paths, wrong methods, hostile URLs. */
function strayRequest(random: Random, callers: Map<string, { headers: Record<string, string> } | undefined>): FuzzRequest {
  const who = random.pick(['anonymous', 'admin'] as const);
  const url = random.pick([
    `/api/${'n'.repeat(5_000)}`,
    '/api/polls/%E0%A4%A',
    '/api/polls/%ED%A0%80/results',
    `/api/polls/${'p'.repeat(5_000)}/results`,
    '/api/../../etc/passwd',
    '/%00',
    '/api/polls?status=%00&cursor=%ED%A0%80',
    `/api/polls?${'a=1&'.repeat(2_000)}`,
    '/polls/%00',
    '/assets/live/../../../../etc/passwd',
    '//api//polls',
  ]);
  const method = random.pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
  const long = ['n', 'p', 'a=1&'].map((unit) => unit.repeat(ECHO_LIMIT)).filter((run) => url.includes(run));
  return { operation: 'stray', who, method, url, headers: { ...(callers.get(who)?.headers ?? {}) }, mutation: 'stray URL', long };
}

/** The figures the test asserts and the bench prints. */
export function summary(report: FuzzReport): string {
  const statuses = Object.entries(report.byStatus).sort(([a], [b]) => Number(a) - Number(b)).map(([s, n]) => `${s}:${n}`).join(' ');
  return [
    `fuzz seed ${report.seed} (FUZZ_SEED=${report.seed} replays it): ${report.requests} requests in ${report.seconds.toFixed(1)} s`,
    `  5xx ${report.counts['5xx']}, non-problem 4xx ${report.counts['non-problem 4xx']}, writes on rejected input ${report.counts['write on rejected input']}, ` +
      `echoes ${report.counts.echo}, hangs ${report.counts.hang}, import report leaks ${report.counts['import report leak']}`,
    `  statuses ${statuses}`,
    `  slowest operations ${Object.entries(report.byOperation).sort(([, a], [, b]) => b.ms - a.ms).slice(0, 5)
      .map(([id, { requests, ms }]) => `${id} ${requests}×${(ms / requests).toFixed(0)} ms`).join(', ')}`,
    ...report.findings.map((f) => `  ${f.kind} ${f.status} ${f.request.method} ${f.request.url.slice(0, 120)} as ${f.request.who} [${f.request.operation}: ${f.request.mutation}]\n    → ${f.response.slice(0, 300)}`),
  ].join('\n');
}
