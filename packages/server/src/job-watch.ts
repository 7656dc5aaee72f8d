import type { Job } from '@depict/core';
import type { AppDeps } from './deps.js';

/** A watcher also re-reads the store this often, in case a pub/sub message was lost. */
const RECHECK_MS = 2_000;

/**
 * Resolve with the job as soon as its status differs from `job.status` (or it is gone:
 * undefined), or with it unchanged after `timeoutMs` or when `signal` aborts.
 */
export function nextChange(deps: AppDeps, job: Job, timeoutMs: number, signal?: AbortSignal): Promise<Job | undefined> {
  return new Promise((resolve) => {
    let finished = false;
    const finish = async (read: boolean) => {
      if (finished) return;
      finished = true;
      stop();
      clearInterval(recheck);
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(read ? await deps.store.get(job.jobId) : job);
    };
    const onAbort = () => void finish(false);
    const stop = deps.subscriber.watch(job.jobId, (event) => {
      if (event.status !== job.status) void finish(true);
    });
    const recheck = setInterval(() => {
      deps.store.get(job.jobId).then(
        (now) => (!now || now.status !== job.status) && void finish(true),
        () => undefined,
      );
    }, RECHECK_MS);
    const timer = setTimeout(() => void finish(true), timeoutMs);
    if (signal?.aborted) void finish(false);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
