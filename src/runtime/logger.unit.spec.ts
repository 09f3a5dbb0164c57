import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat } from './logger.ts';

const capture = () => {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { chunks, stream };
};

describe('the logger factory', () => {
  it('LOG_FORMAT picks the format; auto is pretty on a terminal only', () => {
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'auto' }, true)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'auto' }, false)).toBe('json');
  });

  it('LOG_FORMAT=json writes one JSON object per line', async () => {
    const out = capture();
    const logger = await createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'json' }, out.stream, true);
    logger.info({ route: '/api/polls/:pollId', status: 200 }, 'GET /api/polls/p1 200 1.2 ms');
    expect(out.chunks).toHaveLength(1);
    expect(JSON.parse(out.chunks[0]!)).toMatchObject({ level: 30, service: 'pollster', route: '/api/polls/:pollId', msg: 'GET /api/polls/p1 200 1.2 ms' });
  });

  it('LOG_FORMAT=pretty writes readable lines through pino-pretty', async () => {
    const out = capture();
    const logger = await createLogger({ LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' }, out.stream, false);
    logger.info({ applied: 14 }, 'database schema up to date');
    // An access-log line: its fields are in the message, so only the request id follows it.
    logger.info({ reqId: 'r1', method: 'GET', url: '/api/polls/p1', route: '/api/polls/:pollId', status: 200, durationMs: 1.2 }, 'GET /api/polls/p1 200 1.2 ms');
    logger.debug('below the level');
    await sleep(20); // through pino-pretty's transform stream
    const lines = out.chunks.join('').split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: database schema up to date \{"applied":14\}$/),
      expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/api\/polls\/p1 200 1\.2 ms \{"reqId":"r1"\}$/),
      '',
    ]);
  });
});
