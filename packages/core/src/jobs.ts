import type { BlobStore } from './blob-store.js';
import type { JobError } from '@depict/contract';
import type { JobEvent } from './job-events.js';
import type { Completion, Job, JobStore } from './job-store.js';
import type { Logger } from './logger.js';

export interface JobsDeps {
  readonly store: JobStore;
  readonly blobs: BlobStore;
  /** Tells watchers in every server process (job-events.ts); losing one is harmless. */
  readonly events: { publish(event: JobEvent): void };
  readonly logger: Logger;
  /**
   * A failed job's upload is kept this long so the job can be retried (the sweeper
   * removes it after); 0 removes it at once.
   */
  readonly failedRetentionMs: number;
  /** A job just ended: its webhook, if any, is due now (the worker's sender looks at once). */
  readonly onFinished?: (jobId: string) => void;
  /** Put a job (back) on the queue; a failure is left to the reconciler. */
  readonly enqueue?: (jobId: string) => Promise<void>;
}

/** What came of a request to remove a job: canceled while queued, deleted once finished, or neither now. */
export type Removal = { readonly outcome: 'canceled' | 'deleted'; readonly job: Job } | { readonly outcome: 'busy'; readonly status: string };

/** What came of a retry: queued again, not failed (any more), or its upload gone. */
export type RetryOutcome = 'queued' | 'not_failed' | 'upload_gone';

/**
 * Every transition of a job with what must follow it, in one place: the store's
 * conditional write first, then the event for watchers, the webhook, the upload's
 * removal. The worker and the API both go through here, so a transition reads the same
 * wherever it happens. A side effect that fails after the write is logged and left
 * (the sweeper removes uploads, watchers re-read the store): the write has happened,
 * and its caller must not be told otherwise.
 */
export class Jobs {
  constructor(private readonly deps: JobsDeps) {}

  get store(): JobStore {
    return this.deps.store;
  }

  /** queued (or abandoned) -> processing, as an attempt; undefined when the job is not free to take. */
  async claim(jobId: string, options: { leaseMs: number; maxAttempts: number; describer: string }): Promise<Job | undefined> {
    const job = await this.deps.store.claim(jobId, options);
    if (job) this.deps.events.publish({ job_id: jobId, status: 'processing' });
    return job;
  }

  /** processing -> done, by the attempt holding the job; the upload goes. */
  async complete(jobId: string, attempt: number, result: Completion): Promise<boolean> {
    if (!(await this.deps.store.complete(jobId, attempt, result))) return false;
    this.ended(jobId, 'done');
    await this.dropUpload(jobId);
    return true;
  }

  /** -> failed (by the attempt holding it, or a queued job that cannot run); the upload is kept for a retry. */
  async fail(jobId: string, error: JobError, attempt?: number): Promise<boolean> {
    if (!(await this.deps.store.fail(jobId, error, attempt))) return false;
    await this.failed(jobId);
    return true;
  }

  /** A job taken maxAttempts times without ending (it kills its workers) fails instead of running again. */
  async failExhausted(jobId: string, maxAttempts: number): Promise<boolean> {
    if (!(await this.deps.store.failExhausted(jobId, maxAttempts))) return false;
    await this.failed(jobId);
    return true;
  }

  /** processing -> queued without spending the attempt: a worker stopping, or a job that must wait. */
  async release(jobId: string, attempt: number): Promise<boolean> {
    if (!(await this.deps.store.release(jobId, attempt))) return false;
    this.deps.events.publish({ job_id: jobId, status: 'queued' });
    return true;
  }

  /** A client's DELETE: a queued job is canceled, a finished one deleted with its data, a processing one left alone. */
  async remove(job: Job): Promise<Removal> {
    const { store } = this.deps;
    if (job.status === 'queued' && (await store.cancel(job.jobId))) {
      this.deps.events.publish({ job_id: job.jobId, status: 'canceled' });
      await this.dropUpload(job.jobId);
      return { outcome: 'canceled', job };
    }
    if (job.status !== 'queued' && job.status !== 'processing' && (await store.deleteFinished(job.jobId))) {
      await this.dropUpload(job.jobId);
      return { outcome: 'deleted', job };
    }
    return { outcome: 'busy', status: (await store.get(job.jobId))?.status ?? job.status };
  }

  /** failed -> queued as a new attempt, if its upload is still kept; watchers told, the job enqueued. */
  async retry(jobId: string): Promise<RetryOutcome> {
    if (!(await this.deps.blobs.exists(jobId))) return 'upload_gone';
    if (!(await this.deps.store.retry(jobId))) return 'not_failed';
    this.deps.events.publish({ job_id: jobId, status: 'queued' });
    await this.deps.enqueue?.(jobId);
    return 'queued';
  }

  private ended(jobId: string, status: 'done' | 'failed'): void {
    this.deps.events.publish({ job_id: jobId, status });
    this.deps.onFinished?.(jobId);
  }

  /** A failed job is a dead letter: its upload stays for a retry, unless retention is 0. */
  private async failed(jobId: string): Promise<void> {
    this.ended(jobId, 'failed');
    if (this.deps.failedRetentionMs === 0) await this.dropUpload(jobId);
  }

  /** The upload of a finished job; one that cannot be removed now is the sweeper's (an orphan of a finished job). */
  private async dropUpload(jobId: string): Promise<void> {
    try {
      await this.deps.blobs.delete(jobId);
    } catch (err) {
      this.deps.logger.warn({ job_id: jobId, err }, 'upload not removed; the sweeper will');
    }
  }
}
