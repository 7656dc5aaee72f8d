import { randomUUID } from 'node:crypto';
import { checkWebhookTarget, resultView, signWebhook, type Job, type JobStore, type Logger, type WebhookState } from '@depict/shared';

export interface WebhookOptions {
  readonly store: JobStore;
  readonly logger: Logger;
  readonly secret: string;
  readonly allowPrivate: boolean;
  /** Delays before the 2nd, 3rd, ... attempt; their count + 1 is the most attempts. */
  readonly backoffMs?: readonly number[];
  readonly timeoutMs?: number;
}

const DEFAULT_BACKOFF_MS = [1_000, 5_000, 30_000, 120_000, 600_000];

/**
 * POST a finished job's result to its callback_url, signed per Standard Webhooks
 * (webhook-id, webhook-timestamp, webhook-signature). A non-2xx answer or no answer is
 * retried with growing delays; every attempt is recorded with the job.
 */
export async function sendWebhook(job: Job, options: WebhookOptions): Promise<WebhookState> {
  const { store, logger, secret } = options;
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const id = `msg_${randomUUID()}`;
  let state: WebhookState = job.webhook ?? { url: '', attempts: 0, delivered_at: null, last_status: null, last_error: null };
  const body = JSON.stringify({ type: `job.${job.status}`, timestamp: new Date().toISOString(), data: resultView(job, await store.attemptsOf(job.jobId)) });
  for (let attempt = 0; attempt <= backoff.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, backoff[attempt - 1]));
    const timestamp = Math.floor(Date.now() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    try {
      // Checked again at send time: the name may resolve elsewhere than at submit.
      await checkWebhookTarget(state.url, options.allowPrivate);
      const res = await fetch(state.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(secret, id, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      status = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) error = `answered ${res.status}`;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    state = {
      ...state,
      attempts: state.attempts + 1,
      last_status: status,
      last_error: error,
      delivered_at: error ? null : new Date().toISOString(),
    };
    await store.saveWebhook(job.jobId, state);
    logger.info({ job_id: job.jobId, attempt: state.attempts, status, error }, error ? 'webhook attempt failed' : 'webhook delivered');
    if (!error) break;
  }
  return state;
}
