import type { Writable } from 'node:stream';
import pino, { type Logger, type LoggerOptions } from 'pino';
// Types only: the module itself is imported below, for pretty output alone.
import type PinoPretty from 'pino-pretty';
import type { Config } from '../config.ts';

export type LogFormat = 'pretty' | 'json';

// The access log's fields (src/api/plugins/access-log.ts) are in its message already: on a
// terminal they are left out, and a request is one line with its reqId.
const ACCESS_FIELDS = ['method', 'url', 'route', 'status', 'durationMs'];
const unlessAccessLine = (value: unknown, _key: string, line: Record<string, unknown>) => ('durationMs' in line ? undefined : value);

/** LOG_FORMAT=auto: readable lines for a person at a terminal, JSON lines for everything else. */
export function logFormat(config: Pick<Config, 'LOG_FORMAT'>, stdoutIsTty = process.stdout.isTTY === true): LogFormat {
  if (config.LOG_FORMAT === 'auto') return stdoutIsTty ? 'pretty' : 'json';
  return config.LOG_FORMAT;
}

/**
 * The process's logger, on stdout (or `destination`). Never log request bodies or credentials
 * (they may hold passwords or vote tokens): the access log (src/api/plugins/access-log.ts) writes
 * method, route and status only. pino-pretty is loaded only for pretty output, so JSON costs nothing more.
 */
export async function createLogger(
  config: Pick<Config, 'LOG_LEVEL' | 'LOG_FORMAT'>,
  destination?: Writable,
  stdoutIsTty?: boolean,
): Promise<Logger> {
  const options: LoggerOptions = { level: config.LOG_LEVEL, base: { service: 'pollster' } };
  if (logFormat(config, stdoutIsTty) === 'json') return destination ? pino(options, destination) : pino(options);
  const { default: pretty } = await import('pino-pretty');
  return pino(
    options,
    pretty({
      destination: destination ?? 1,
      // Synchronous: the last lines before a process.exit (shutdown, a fatal start) must get out.
      sync: true,
      colorize: destination === undefined && pretty.isColorSupported,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      // Fields on the message's line as one JSON object (a field prettified to undefined drops out).
      singleLine: true,
      customPrettifiers: Object.fromEntries(ACCESS_FIELDS.map((key) => [key, unlessAccessLine as unknown as PinoPretty.Prettifier])),
    }),
  );
}
