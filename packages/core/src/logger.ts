import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON line per event on stdout; `component` says which process wrote it. Lines are
 * written asynchronously, so a busy process sends many in one write instead of making a
 * system call per line; pino flushes what is left when the process exits. `destination`
 * is a file descriptor or a path (a benchmark sends its lines to /dev/null).
 */
export function createLogger(component: string, level: string, destination: number | string = 1): Logger {
  return pino(
    {
      level,
      base: { component },
      timestamp: pino.stdTimeFunctions.isoTime,
      // API keys travel in Authorization; they never reach a log line.
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]'], censor: '[redacted]' },
    },
    pino.destination({ dest: destination, sync: false }),
  );
}
