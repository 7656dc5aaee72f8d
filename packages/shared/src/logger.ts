import { pino, type Logger } from 'pino';

export type { Logger };

/** One JSON line per event on stdout; `component` says which process wrote it. */
export function createLogger(component: string, level: string): Logger {
  return pino({
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    // API keys travel in Authorization; they never reach a log line.
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'], censor: '[redacted]' },
  });
}
