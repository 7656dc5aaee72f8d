import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON line per event on stdout; `component` says which process wrote it. */
export function createLogger(component: string, level: string): Logger {
  return pino({ level, base: { component }, timestamp: pino.stdTimeFunctions.isoTime });
}
