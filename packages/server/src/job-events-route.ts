import type { RequestHandler } from 'express';
import { DepictError, isTerminal, statusView } from '@depict/shared';
import { callerOf } from './auth.js';
import type { AppDeps } from './deps.js';
import { nextChange } from './job-watch.js';

const KEEP_ALIVE_MS = 15_000;

/**
 * GET /events/:job_id: a text/event-stream with one `event: status` per state (the
 * current one first), closed once the job is finished.
 */
export function jobEvents(deps: AppDeps): RequestHandler {
  return async (req, res, next) => {
    try {
      const jobId = String(req.params.job_id ?? '');
      const owner = callerOf(res);
      let job = await deps.store.get(jobId);
      if (!job || (owner !== null && job.owner !== owner)) throw new DepictError('not_found', `No job with id ${jobId}.`);
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      const closed = new AbortController();
      req.on('close', () => closed.abort());
      const send = (current: NonNullable<typeof job>) =>
        res.write(`event: status\nid: ${current.updatedAt}\ndata: ${JSON.stringify(statusView(current))}\n\n`);
      send(job);
      while (!isTerminal(job.status) && !closed.signal.aborted) {
        const next: typeof job | undefined = await nextChange(deps, job, KEEP_ALIVE_MS, closed.signal);
        if (closed.signal.aborted) break;
        if (!next) break; // deleted
        if (next.status === job.status) res.write(': keep-alive\n\n');
        else send(next);
        job = next;
      }
      res.end();
    } catch (err) {
      if (res.headersSent) res.end();
      else next(err);
    }
  };
}
