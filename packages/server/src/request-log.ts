import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '@depict/core';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This request's id: the client's X-Request-Id when it is sane, else a new one; sent back. */
      id: string;
      /** A logger whose lines carry the request id as `reqId`. */
      log: Logger;
    }
  }
}

/** A client's own request id is kept when it is short and plain. */
const CLIENT_REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * Request ids and one JSON line per finished request: its id, method, URL, client
 * address, status and time. `req.log` is made when first used: most requests log
 * nothing else, and a child logger per request was a large share of a submit's CPU
 * (as were the request and response headers pino-http copied into every line).
 * Requests that `quiet` picks once they are answered (liveness probes, the UI's files)
 * get their id but no line; it is asked at the end, so a request is judged by where it
 * went and how it ended, not by how its target starts. The line shows the target as the
 * client sent it.
 */
export function requestLog(
  logger: Logger,
  options: { quiet: (req: Request, res: Response) => boolean; level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' },
): RequestHandler {
  const log = (line: object, message: string) => {
    if (options.level !== 'silent') logger[options.level](line, message);
  };
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && CLIENT_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      get: () => (child ??= logger.child({ reqId: id })),
      configurable: true,
      enumerable: false,
    });
    const started = performance.now();
    const ended = () => {
      res.off('finish', ended);
      res.off('close', ended);
      if (res.writableFinished && options.quiet(req, res)) return;
      const line = {
        reqId: id,
        req: { method: req.method, url: req.rawTarget ?? req.originalUrl, remoteAddress: req.socket.remoteAddress, userAgent: req.headers['user-agent'] },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      if (!res.writableFinished) log(line, 'request aborted');
      // 503 is a refusal by design (busy, not ready), not a fault.
      else if (res.statusCode === 503) logger.warn(line, 'request completed');
      else if (res.statusCode >= 500) logger.error(line, 'request completed');
      else log(line, 'request completed');
    };
    res.on('finish', ended);
    res.on('close', ended);
    next();
  };
}
