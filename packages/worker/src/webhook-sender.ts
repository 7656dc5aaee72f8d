import type { WebhookState } from '@depict/contract';
import { Periodic, guardedRequest, resultView, signWebhook, type Job, type JobStore, type Logger } from '@depict/core';

export interface WebhookOptions {
  readonly store: JobStore;
  readonly logger: Logger;
  readonly secret: string;
  readonly allowPrivate: boolean;
  /** Delays before the 2nd, 3rd, ... attempt; their count + 1 is the most attempts. */
  readonly backoffMs?: readonly number[];
  readonly timeoutMs?: number;
  /** How often the store is asked for deliveries that are due. */
  readonly pollMs?: number;
}

const DEFAULT_BACKOFF_MS = [1_000, 5_000, 30_000, 120_000, 600_000];
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_POLL_MS = 1_000;
/** Deliveries taken per pass; the next pass takes the rest. */
const BATCH = 50;

/**
 * Sends finished jobs' results to their callback_url, signed per Standard Webhooks
 * (webhook-id, webhook-timestamp, webhook-signature). A non-2xx answer or no answer is
 * retried with growing delays, and every attempt is recorded with the job.
 *
 * The schedule lives in the job store (`webhook_due_at`), not in this process: each
 * worker asks for the deliveries that are due and takes one by compare-and-set, so a
 * delivery is attempted by one worker at a time, and the retries of a worker that stops
 * are made by the others.
 */
export class WebhookSender {
  private readonly periodic: Periodic;
  private readonly backoff: readonly number[];
  private readonly timeoutMs: number;

  constructor(private readonly options: WebhookOptions) {
    this.backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.periodic = new Periodic('webhook delivery', options.pollMs ?? DEFAULT_POLL_MS, () => this.sendDue(), options.logger);
  }

  async start(): Promise<void> {
    await this.periodic.start();
  }

  /** Stops polling, after the attempts under way. */
  async stop(): Promise<void> {
    await this.periodic.stop();
  }

  /** A job just ended and its webhook is due: look now rather than at the next poll. */
  kick(): void {
    void this.periodic.runNow();
  }

  /** Attempt every delivery that is due now. */
  async sendDue(): Promise<void> {
    const due = await this.options.store.dueWebhooks(BATCH);
    await Promise.all(due.map(({ jobId, dueAt }) => this.attempt(jobId, dueAt)));
  }

  private async attempt(jobId: string, dueAt: string): Promise<void> {
    const { store, logger } = this.options;
    // Held for one attempt and a margin; a holder that dies frees it when this runs out.
    const heldUntil = new Date(Date.now() + this.timeoutMs + 5_000).toISOString();
    if (!(await store.claimWebhook(jobId, dueAt, heldUntil))) return;
    const job = await store.get(jobId);
    if (!job) return; // deleted meanwhile
    if (!job.webhook || job.webhook.delivered_at) {
      await store.saveWebhook(jobId, job.webhook, { heldUntil, dueAt: null });
      return;
    }
    const outcome = await this.post(job, job.webhook);
    const state: WebhookState = {
      ...job.webhook,
      attempts: job.webhook.attempts + 1,
      last_status: outcome.status,
      last_error: outcome.error,
      delivered_at: outcome.error ? null : new Date().toISOString(),
    };
    const delay = outcome.error ? this.backoff[state.attempts - 1] : undefined;
    const next = delay === undefined ? null : new Date(Date.now() + delay).toISOString();
    await store.saveWebhook(jobId, state, { heldUntil, dueAt: next });
    const fields = { job_id: jobId, attempt: state.attempts, status: outcome.status, error: outcome.error, next_attempt_at: next };
    if (!outcome.error) logger.info(fields, 'webhook delivered');
    else if (next) logger.info(fields, 'webhook attempt failed; it will be retried');
    else logger.warn(fields, 'webhook attempt failed; no attempts left');
  }

  /** One signed POST. The message id and body are the same on every attempt for one ending. */
  private async post(job: Job, state: WebhookState): Promise<{ status: number | null; error: string | null }> {
    const { store, secret } = this.options;
    const id = `msg_${job.jobId}_${Date.parse(job.finishedAt ?? job.updatedAt)}`;
    const body = JSON.stringify({
      type: `job.${job.status}`,
      timestamp: job.finishedAt ?? job.updatedAt,
      data: resultView(job, await store.attemptsOf(job.jobId)),
    });
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      // Through the guard: the address connected to is the one checked, so a name that
      // resolved to a public address at submit cannot be rebound to a private one now.
      // A refusal is a failed attempt ("refused: <address> is <range>"); nothing is sent.
      const res = await guardedRequest(state.url, {
        allowPrivate: this.options.allowPrivate,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(secret, id, timestamp, body),
        },
        body,
        // Redirects are not followed: a receiver names its final address itself.
        maxRedirects: 0,
        readBody: false,
        timeoutMs: this.timeoutMs,
      });
      const ok = res.status >= 200 && res.status < 300;
      return { status: res.status, error: ok ? null : `answered ${res.status}` };
    } catch (err) {
      return { status: null, error: err instanceof Error ? err.message : String(err) };
    }
  }
}
