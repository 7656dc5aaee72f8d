import { StoreRetryStopped, type StoreRetry } from './store-retry.js';
import { DescribeError, type Describer, type ImageMediaType, type JobError } from '@depict/contract';
import { isStoreFault, type BlobStore, type Job, type Jobs, type Logger } from '@depict/core';

export interface ProcessorOptions {
  /** Every transition and what follows it (jobs.ts). */
  readonly jobs: Jobs;
  readonly blobs: BlobStore;
  readonly describer: Describer;
  readonly logger: Logger;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  /** Writes that wait out a store outage (store-retry.ts). */
  readonly storeRetry: StoreRetry;
  /** Called when a job was handed back to wait (the vision breaker is open): enqueue it again after `delayMs`. */
  readonly onDeferred?: (jobId: string, delayMs: number) => void;
  /** Hears every delivery's outcome, with who described it (done, failed) and how long it took. */
  readonly observe?: (outcome: Outcome, describer: string | undefined, seconds: number) => void;
}

/**
 * done / failed: the final state is stored. skipped: the job was not ours to take.
 * lost: another worker took it over while this one worked (our lease ran out).
 * released: handed back to the queue because this worker is shutting down.
 * deferred: handed back to wait, because the describer cannot run it now.
 */
export type Outcome = 'done' | 'failed' | 'skipped' | 'lost' | 'released' | 'deferred';

/** Why a job's work was stopped. */
type StopReason = 'timeout' | 'lost' | 'shutdown';

class Stopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`stopped: ${reason}`);
  }
}

/** A job whose upload could not be read for a store outage waits this long before it is queued again. */
const STORE_FAULT_REQUEUE_MS = 1_000;

const UPLOAD_MISSING: JobError = {
  code: 'upload_missing',
  message: 'The uploaded file is no longer stored, so the image cannot be described.',
};

function toJobError(err: unknown): JobError {
  if (err instanceof DescribeError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'describe_failed', message: `The image could not be described: ${message}` };
}

/**
 * Runs deliveries of jobs. The claim is the gate: only a queued job, or one whose
 * worker's lease ran out, can be taken, and each take is an attempt. While working,
 * the worker renews its lease; the final write names the attempt, so a worker that
 * lost its job can no longer change it. The upload is deleted once a final state is
 * stored, and only then.
 */
export class JobProcessor {
  private readonly inFlight = new Map<string, AbortController>();

  constructor(private readonly options: ProcessorOptions) {}

  get running(): number {
    return this.inFlight.size;
  }

  /** Stop every job in flight and hand it back to the queue (for shutdown). */
  releaseAll(): void {
    for (const controller of this.inFlight.values()) controller.abort(new Stopped('shutdown'));
  }

  async process(jobId: string): Promise<Outcome> {
    const started = performance.now();
    const report: { describer?: string } = {};
    const outcome = await this.run(jobId, report);
    this.options.observe?.(outcome, report.describer, (performance.now() - started) / 1000);
    return outcome;
  }

  private async run(jobId: string, report: { describer?: string }): Promise<Outcome> {
    const { jobs, describer, logger, leaseMs, maxAttempts, timeoutMs, storeRetry } = this.options;
    const store = jobs.store;
    let job: Job | undefined;
    try {
      job = await storeRetry.write('claim', { job_id: jobId }, () => jobs.claim(jobId, { leaseMs, maxAttempts, describer: describer.name }));
      if (!job && (await storeRetry.write('fail exhausted', { job_id: jobId }, () => jobs.failExhausted(jobId, maxAttempts)))) {
        logger.warn({ job_id: jobId, attempts: maxAttempts }, 'job failed: out of attempts');
        return 'failed';
      }
    } catch (err) {
      if (!(err instanceof StoreRetryStopped)) throw err;
      return 'skipped'; // stopping before the job was taken: it is still queued
    }
    if (!job) {
      logger.info({ job_id: jobId }, 'delivery skipped: job is not free to take');
      return 'skipped';
    }

    const attempt = job.attempts;
    const log = logger.child({ job_id: jobId, attempt });
    const controller = new AbortController();
    this.inFlight.set(jobId, controller);
    const timer = setTimeout(() => controller.abort(new Stopped('timeout')), timeoutMs);
    const heartbeat = setInterval(() => {
      store.renewLease(jobId, attempt, leaseMs).then(
        (held) => held || controller.abort(new Stopped('lost')),
        (err: unknown) => log.warn({ err }, 'lease renewal failed'),
      );
    }, Math.max(100, Math.floor(leaseMs / 3)));
    const started = performance.now();
    log.info({ describer: describer.name }, 'job processing');

    const fields = { job_id: jobId, attempt };
    // Before each paid model request: still ours (nobody took the job over), and counted.
    const beforeModelCall = async () => {
      const held = await storeRetry.write('record model call', fields, () => store.recordModelCall(jobId, attempt, leaseMs));
      if (!held) {
        controller.abort(new Stopped('lost'));
        throw new Stopped('lost');
      }
    };
    try {
      const result = await this.describe(job, controller.signal, beforeModelCall);
      if (await storeRetry.write('complete', fields, () => jobs.complete(jobId, attempt, result))) {
        report.describer = result.generatedBy;
        log.info({ generated_by: result.generatedBy, ms: Math.round(performance.now() - started) }, 'job done');
        return 'done';
      }
      log.warn('result discarded: the job was taken over by another worker');
      return 'lost';
    } catch (err) {
      if (err instanceof StoreRetryStopped) {
        log.warn('worker stopping while the job store is away: the job is left to its lease');
        return 'lost';
      }
      const reason = controller.signal.aborted ? (controller.signal.reason as Stopped).reason : undefined;
      if (reason === 'lost') {
        log.warn('job taken over by another worker; stopped');
        return 'lost';
      }
      if (reason === 'shutdown') {
        const released = await jobs.release(jobId, attempt).catch(() => false);
        log.info({ released }, 'job handed back: worker shutting down');
        return released ? 'released' : 'lost';
      }
      const wait =
        reason !== undefined ? undefined
        : err instanceof DescribeError && err.retryAfterMs !== undefined ? { code: err.code, ms: err.retryAfterMs }
        : isStoreFault(err) ? { code: err.code, ms: STORE_FAULT_REQUEUE_MS } // the upload could not be read from the store
        : undefined;
      if (wait) {
        // Not the job's failure: it waits, and this attempt does not count.
        const released = await storeRetry.write('release', fields, () => jobs.release(jobId, attempt));
        if (!released) return 'lost';
        this.options.onDeferred?.(jobId, wait.ms);
        log.info({ code: wait.code, retry_in_ms: wait.ms }, 'job waits: describer or store unavailable');
        return 'deferred';
      }
      const error =
        reason === 'timeout'
          ? { code: 'timeout', message: `The image was not described within the job time limit (${timeoutMs} ms).` }
          : (await storeRetry.write('read upload', fields, () => this.options.blobs.exists(jobId)))
            ? toJobError(err)
            : UPLOAD_MISSING; // asked only now: a stat per job would cost every job
      if (await storeRetry.write('fail', fields, () => jobs.fail(jobId, error, attempt))) {
        report.describer = describer.name;
        log.warn({ err, code: error.code, ms: Math.round(performance.now() - started) }, 'job failed');
        return 'failed';
      }
      return 'lost';
    } finally {
      clearTimeout(timer);
      clearInterval(heartbeat);
      this.inFlight.delete(jobId);
    }
  }

  /** The describer's answer, or the reason this job was stopped, whichever comes first. */
  private async describe(job: Job, signal: AbortSignal, beforeModelCall: () => Promise<void>) {
    const { blobs, describer } = this.options;
    const stopped = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    stopped.catch(() => undefined);
    const opening = blobs.open(job.jobId);
    const file = await Promise.race([opening, stopped]).catch((err: unknown) => {
      opening.then((f) => f.release(), () => undefined); // stopped first: drop the copy when it comes
      throw err;
    });
    try {
      return await Promise.race([
        describer.describe(
          { source: file.source, mediaType: job.mediaType as ImageMediaType, byteSize: job.byteSize, filename: job.filename },
          { signal, beforeModelCall, ...job.options },
        ),
        stopped,
      ]);
    } finally {
      await file.release();
    }
  }
}
