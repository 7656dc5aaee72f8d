import type { RequestHandler } from 'express';
import { isTerminal } from '@depict/contract';
import { statusView } from '@depict/core';
import { accessOf, ownerScope } from './auth.js';
import { findOwnedJob } from './owned-job.js';
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
      let job = await findOwnedJob(deps.store, ownerScope(accessOf(res, deps.config.apiKeys)), jobId);
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
