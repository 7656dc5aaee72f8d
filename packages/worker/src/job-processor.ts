import {
  DescribeError,
  type Describer,
  type ImageMediaType,
  type JobError,
  type JobStore,
  type LocalBlobStore,
  type Logger,
} from '@depict/shared';

export interface ProcessorDeps {
  readonly store: JobStore;
  readonly blobs: LocalBlobStore;
  readonly describer: Describer;
  readonly logger: Logger;
}

export type Outcome = 'done' | 'failed' | 'skipped';

function toJobError(err: unknown): JobError {
  if (err instanceof DescribeError) return { code: err.code, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'describe_failed', message: `The image could not be described: ${message}` };
}

/**
 * One delivery of one job. The claim (queued -> processing) is the gate: a duplicate or
 * late delivery finds the job no longer queued and does nothing. The upload is removed
 * once the final state is stored, and only then, so a failed write loses nothing.
 */
export async function processJob(deps: ProcessorDeps, jobId: string): Promise<Outcome> {
  const { store, blobs, describer, logger } = deps;
  const job = await store.claim(jobId);
  if (!job) {
    logger.info({ job_id: jobId }, 'delivery skipped: job is not queued');
    return 'skipped';
  }
  const log = logger.child({ job_id: jobId, attempt: job.attempts });
  log.info({ describer: describer.name }, 'job processing');
  const started = performance.now();

  let outcome: Outcome;
  try {
    if (!(await blobs.exists(jobId))) {
      throw new DescribeError('upload_missing', 'The uploaded file is no longer stored, so the image cannot be described.');
    }
    const result = await describer.describe({
      path: blobs.pathOf(jobId),
      mediaType: job.mediaType as ImageMediaType,
      byteSize: job.byteSize,
      filename: job.filename,
    });
    await store.complete(jobId, result);
    outcome = 'done';
    log.info({ generated_by: result.generatedBy, ms: Math.round(performance.now() - started) }, 'job done');
  } catch (err) {
    const error = toJobError(err);
    await store.fail(jobId, error);
    outcome = 'failed';
    log.warn({ err, code: error.code, ms: Math.round(performance.now() - started) }, 'job failed');
  }
  await blobs.delete(jobId);
  return outcome;
}
