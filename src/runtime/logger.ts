import pino, { type Logger } from 'pino';
import type { Config } from '../config.ts';

/** JSON lines on stdout; never log request bodies (they may hold passwords or vote tokens). */
export function createLogger(config: Pick<Config, 'LOG_LEVEL'>): Logger {
  return pino({ level: config.LOG_LEVEL, base: { service: 'pollster' } });
}
