import type { Reporter, ReportedHookContext, TestCase, TestModule, TestRunEndReason, Vitest } from 'vitest/node';

/**
 * Runs in every `npm test` next to the default reporter: lists the slowest test files and tests,
 * and names every test (and beforeAll/afterAll hook) that used more than half of its timeout.
 *
 * The goal is a 2× margin: on a shared 2-core machine the same file takes twice as long from one
 * run to the next, so a test at half its limit is one busy neighbour away from a timeout. Past
 * half it gets a warning line; past three quarters the run fails (exit code 1), naming it. Why
 * not fail at half: the noise above would then turn green code red now and then, and a suite that
 * is red for no reason teaches people to rerun rather than read. Three quarters is where a timeout
 * is already likely, and failing there, with the test and its numbers named, beats failing later
 * with a bare "timed out" somewhere else.
 *
 * Hooks are held to their project's hookTimeout: the reporter is not told a hook's own timeout, so
 * a hook given a longer one is measured more strictly than it needs to be.
 */
export interface TimingReporterOptions {
  /** Share of its timeout past which a test gets a warning line (default 0.5). */
  warnAt?: number;
  /** Share of its timeout past which the run fails (default 0.75). */
  failAt?: number;
  /** How many of the slowest files and tests to list (default 5). */
  top?: number;
}

interface Timed {
  what: string;
  project: string;
  duration: number;
  timeout: number;
}

export default class TimingReporter implements Reporter {
  readonly #warnAt: number;
  readonly #failAt: number;
  readonly #top: number;
  #vitest: Vitest | undefined;
  readonly #hookStarts = new Map<string, number>();
  readonly #hooks: Timed[] = [];

  constructor(options: TimingReporterOptions = {}) {
    this.#warnAt = options.warnAt ?? 0.5;
    this.#failAt = options.failAt ?? 0.75;
    this.#top = options.top ?? 5;
  }

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onHookStart(hook: ReportedHookContext): void {
    if (hook.name === 'beforeAll' || hook.name === 'afterAll') this.#hookStarts.set(`${hook.entity.id} ${hook.name}`, performance.now());
  }

  onHookEnd(hook: ReportedHookContext): void {
    if (hook.name !== 'beforeAll' && hook.name !== 'afterAll') return;
    const key = `${hook.entity.id} ${hook.name}`;
    const started = this.#hookStarts.get(key);
    if (started === undefined) return;
    this.#hookStarts.delete(key);
    const entity = hook.entity;
    const where = entity.type === 'module' ? entity.moduleId : `${entity.module.moduleId} > ${entity.fullName}`;
    this.#hooks.push({
      what: `${hook.name} of ${relative(where)}`,
      project: entity.project.name,
      duration: performance.now() - started,
      timeout: entity.project.config.hookTimeout,
    });
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, _errors: unknown, reason: TestRunEndReason): void {
    if (reason === 'interrupted' || testModules.length === 0) return;
    const tests = testModules.flatMap((m) => [...m.children.allTests()].flatMap((t) => timed(t)));
    const files = testModules
      .map((m) => ({ what: relative(m.moduleId), project: m.project.name, duration: m.diagnostic().duration }))
      .sort((a, b) => b.duration - a.duration);
    const log = (line = '') => (this.#vitest ? this.#vitest.logger.log(line) : console.log(line));

    log();
    log(`slowest files: ${files.slice(0, this.#top).map((f) => `${f.what} ${seconds(f.duration)} [${f.project}]`).join(', ')}`);
    log(`slowest tests: ${[...tests].sort((a, b) => b.duration - a.duration).slice(0, this.#top).map((t) => `${t.what} ${seconds(t.duration)}/${seconds(t.timeout)}`).join(', ')}`);

    const near = [...tests, ...this.#hooks].filter((t) => t.duration > t.timeout * this.#warnAt).sort((a, b) => b.duration / b.timeout - a.duration / a.timeout);
    for (const t of near) {
      const share = Math.round((100 * t.duration) / t.timeout);
      const verdict = t.duration > t.timeout * this.#failAt ? 'FAILS THE RUN' : 'warning';
      log(`TIMING ${verdict}: ${t.what} [${t.project}] took ${seconds(t.duration)} of its ${seconds(t.timeout)} timeout (${share}%): make it cheaper, or raise the limit if the work is inherently that long`);
    }
    if (near.some((t) => t.duration > t.timeout * this.#failAt)) {
      log(`TIMING: the run fails: a test above used more than ${Math.round(this.#failAt * 100)}% of its timeout`);
      process.exitCode = 1;
    } else if (near.length === 0) {
      log(`timing: every test and hook stayed under ${Math.round(this.#warnAt * 100)}% of its timeout`);
    }
  }
}

function timed(test: TestCase): Timed[] {
  const duration = test.diagnostic()?.duration;
  const timeout = test.options.timeout;
  if (duration === undefined || timeout === undefined || timeout <= 0) return [];
  return [{ what: `${relative(test.module.moduleId)} > ${test.fullName}`, project: test.project.name, duration, timeout }];
}

const cwd = `${process.cwd()}/`;
const relative = (path: string) => (path.startsWith(cwd) ? path.slice(cwd.length) : path);
const seconds = (ms: number) => (ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`);
