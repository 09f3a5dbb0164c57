import pino from 'pino';
import { buildApp } from '../../src/api/app.ts';
import { firstAdmin } from '../support/http.ts';
import { PostgresEventStore } from '../../src/event-store/postgres/postgres-event-store.ts';
import type { LiveBus } from '../../src/projections/to-nats/live-bus.ts';
import { NatsLiveBus } from '../../src/projections/to-nats/nats-live-bus.ts';
import { liveProjections } from '../../src/runtime/live.ts';
import { createServices } from '../../src/runtime/services.ts';
import { join } from 'node:path';
import { benchDataDir } from '../support/server.ts';

/**
 * The write side of `bench live`, in the bench's own process: the API app (no port) with the
 * projections and the results fan-out to NATS, as `pollster worker` runs it. Ballots go through
 * the API in-process (`app.inject`: schema validation, auth, the castBallot command, durable
 * append), paced at a fixed rate. The bus stamps each message with its publish time, which the
 * viewers subtract from their receipt time.
 */
function timestamping(bus: LiveBus): LiveBus {
  return {
    publish: (message) =>
      bus.publish({ ...message, results: { ...(message.results as object), benchPublishedAt: performance.timeOrigin + performance.now() } }),
    subscribe: (pollId, onMessage) => bus.subscribe(pollId, onMessage),
    close: () => bus.close(),
  };
}

export async function startPublisher(databaseUrl: string, natsUrl: string, jwtSecret: string) {
  const silent = pino({ level: 'silent' });
  const store = new PostgresEventStore({ connectionString: databaseUrl });
  const bus = await NatsLiveBus.connect(natsUrl, silent, { name: 'bench-publisher' });
  const services = await createServices({
    store,
    databaseUrl,
    registryUrl: 'http://127.0.0.1:9',
    jwtSecret,
    runProjections: true,
    projections: liveProjections({ bus: timestamping(bus) }),
    // The keys the edge process loads from its data folder (POLLSTER_DATA_DIR, processes.ts): one database, one voter key.
    voterKeys: { file: join(benchDataDir(databaseUrl), 'keys', 'voter-key') },
    auditKeys: { file: join(benchDataDir(databaseUrl), 'keys', 'audit-signing-key') },
  });
  const app = await buildApp({ logger: silent, services, healthChecks: { required: {} }, http: { ballotsPerMinute: 0, authPerMinute: 0 } });
  await app.ready();
  const { authorization: organizer } = await firstAdmin(async (method, url, payload) => {
    const response = await app.inject({ method: method as 'POST', url, ...(payload === undefined ? {} : { payload: payload as object }) });
    return { status: response.statusCode, body: response.json() };
  });

  /**
   * An open poll (voterPolicy open: one ballot per client, so each ballot below is a new voter by
   * its user agent, with no account to create): one question with four options, results public
   * while it runs.
   */
  async function openPoll(): Promise<{ pollId: string; questionId: string; optionIds: string[] }> {
    const payload = {
      title: 'Bench',
      questions: [{ text: 'Which?', kind: 'single', options: ['A', 'B', 'C', 'D'].map((text) => ({ text })) }],
      settings: { voterPolicy: 'open', showResultsBeforeClose: true, fraudVelocityLimit: 0 },
    };
    const created = await app.inject({ method: 'POST', url: '/api/polls', headers: { authorization: organizer }, payload });
    const { pollId } = created.json();
    await app.inject({ method: 'POST', url: `/api/polls/${pollId}/open`, headers: { authorization: organizer } });
    const poll = (await app.inject({ method: 'GET', url: `/api/polls/${pollId}` })).json();
    return { pollId, questionId: poll.questions[0].questionId, optionIds: poll.questions[0].options.map((o: any) => o.optionId) };
  }

  /** `rate` ballots per second for `seconds`, round-robin over the polls, each by a new voter. */
  async function castPaced(polls: Awaited<ReturnType<typeof openPoll>>[], rate: number, seconds: number) {
    const total = rate * seconds;
    const started = performance.now();
    let errors = 0;
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const poll = polls[i % polls.length]!;
      const cast = app
        .inject({
          method: 'POST',
          url: `/api/polls/${poll.pollId}/ballots`,
          headers: { 'user-agent': `bench-voter-${i}` },
          payload: { answers: [{ questionId: poll.questionId, optionIds: [poll.optionIds[i % 4]] }] },
        })
        .then((r) => void (r.statusCode === 201 || errors++), () => void errors++);
      inFlight.add(cast);
      void cast.finally(() => inFlight.delete(cast));
    }
    await Promise.all(inFlight);
    return { ballots: total, errors, seconds: (performance.now() - started) / 1000 };
  }

  return {
    openPoll,
    castPaced,
    async close() {
      await app.close();
      await services.close();
      await bus.close();
      await store.close();
    },
  };
}
