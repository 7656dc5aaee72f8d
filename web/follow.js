// Following one job until it is finished: its states live from the event stream
// (event-stream.js), or by polling GET /result when no stream can be had, and then its
// result on the card.

import { ApiError, getResult } from './api.js';
import { streamSlotFree, streamStates } from './event-stream.js';

/** Between two polls of a queued or processing job, whatever Retry-After says. */
const MIN_POLL_MS = 300;
const MAX_POLL_MS = 2000;
/** After a passing error (unreachable, 429, 503), back off up to this long. */
const MAX_BACKOFF_MS = 30000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const clamp = (ms, low, high) => Math.min(high, Math.max(low, ms));

/** Anything thrown that is not an ApiError is a bug in this page; say so plainly. */
export function asApiError(err) {
  return err instanceof ApiError ? err : new ApiError('unknown', err instanceof Error ? err.message : String(err), 0);
}

/**
 * Shows the job's states on the card as they change, then its description or error.
 * @param {import('./job-card.js').JobCard} card
 * @param {string} jobId
 * @param {{retry: (error: {code: string}) => (() => void) | undefined, onUnauthorized?: () => void, finished?: boolean, openDetails?: boolean}} hooks
 *   retry: what "Try again" does for a failed job, or undefined for none; finished: the
 *   job is known to be over, so its result is asked for at once; openDetails: unfold its details
 */
export async function follow(card, jobId, hooks) {
  // A finished job needs no stream: its result is all there is to show.
  let streamBroken = Boolean(hooks.finished);
  let pollDelay = MIN_POLL_MS;
  let backoff = 1000;
  for (;;) {
    if (!streamBroken && streamSlotFree()) {
      const outcome = await streamStates(jobId, (view) => {
        card.element.dataset.updates = 'events';
        card.clearNotice();
        if (view.status === 'queued' || view.status === 'processing') card.setState(view.status);
      });
      // A stream that could not be had is not tried again for this job: polling takes over.
      if (outcome === 'failed') streamBroken = true;
      // How the card hears of changes, for people debugging a proxy (and for the tests).
      if (streamBroken) card.element.dataset.updates = 'polling';
    } else if (!hooks.finished) {
      // Every stream slot is taken (or streams fail here): this job is polled for now.
      card.element.dataset.updates = 'polling';
    }
    let reply;
    try {
      reply = await getResult(jobId);
    } catch (thrown) {
      const err = asApiError(thrown);
      if (err.code === 'unauthorized') hooks.onUnauthorized?.();
      if (!err.transient) return card.fail(err);
      card.showNotice(
        (err.status === 0 ? 'The server could not be reached' : 'The server is busy') + '; checking again shortly…',
      );
      await sleep(clamp(err.retryAfterMs || backoff, MIN_POLL_MS, MAX_BACKOFF_MS));
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      continue;
    }
    backoff = 1000;
    card.clearNotice();
    const result = reply.body;
    if (result.status === 'done') return card.done(result, { openDetails: hooks.openDetails ?? true });
    if (result.status === 'failed') {
      const error = result.error || { code: 'unknown', message: 'The job failed.' };
      return card.fail(error, { onRetry: hooks.retry(error), result });
    }
    if (result.status === 'canceled') return card.canceled();
    card.setState(result.status);
    await sleep(clamp(reply.retryAfterMs || pollDelay, MIN_POLL_MS, MAX_POLL_MS));
    pollDelay = Math.min(MAX_POLL_MS, pollDelay * 1.5);
  }
}
