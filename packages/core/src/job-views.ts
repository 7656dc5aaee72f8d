import type { Attempt, DoneDetails, ResultResponse, StatusResponse } from '@depict/contract';
import type { Job } from './job-store.js';

/**
 * How a stored job is shown to clients: the wire shapes in @depict/contract's api-schemas.
 * With its attempts, they are shown in `details.attempts`.
 */
export function statusView(job: Job, attempts?: Attempt[]): StatusResponse {
  return {
    job_id: job.jobId,
    status: job.status,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    ...(job.filename ? { filename: job.filename } : {}),
    ...(job.error ? { error: job.error } : {}),
    ...(job.webhook ? { webhook: job.webhook } : {}),
    ...(attempts ? { details: { attempts } } : {}),
  };
}

export function resultView(job: Job, attempts?: Attempt[]): ResultResponse {
  switch (job.status) {
    case 'done':
      return {
        job_id: job.jobId,
        status: 'done',
        description: job.description ?? '',
        _generated_by: job.generatedBy ?? '',
        // As the describer stored them: documented by DoneDetails, not rewritten to fit it.
        details: { ...job.details, ...(attempts ? { attempts } : {}) } as DoneDetails,
        created_at: job.createdAt,
        completed_at: job.finishedAt ?? job.updatedAt,
      };
    case 'failed':
      return {
        job_id: job.jobId,
        status: 'failed',
        error: job.error ?? { code: 'unknown', message: 'The job failed without a recorded reason.' },
        ...(attempts ? { details: { attempts } } : {}),
        created_at: job.createdAt,
        completed_at: job.finishedAt ?? job.updatedAt,
      };
    case 'canceled':
      return {
        job_id: job.jobId,
        status: 'canceled',
        created_at: job.createdAt,
        completed_at: job.finishedAt ?? job.updatedAt,
      };
    case 'queued':
    case 'processing':
      return { job_id: job.jobId, status: job.status };
  }
}
