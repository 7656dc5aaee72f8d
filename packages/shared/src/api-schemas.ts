import { z } from 'zod';
import { JobError } from './errors.js';
import { JobStatus } from './job-status.js';

/** The wire shapes of the HTTP and tRPC API. Types come from here, so they cannot drift. */

export const JobId = z
  .string()
  .min(1)
  .max(100)
  .describe('The id returned by submit (a UUID).');

export const JobIdInput = z.object({ job_id: JobId });

export const SubmitResponse = z
  .object({
    job_id: z.uuid(),
    status: z.literal('queued'),
    status_url: z.string().describe('Relative URL of GET /status/{job_id}.'),
    result_url: z.string().describe('Relative URL of GET /result/{job_id}.'),
  })
  .meta({ id: 'SubmitResponse' });
export type SubmitResponse = z.infer<typeof SubmitResponse>;

export const StatusResponse = z
  .object({
    job_id: z.uuid(),
    status: JobStatus,
    created_at: z.string().describe('ISO 8601, UTC.'),
    updated_at: z.string().describe('ISO 8601, UTC.'),
    error: JobError.optional(),
  })
  .meta({ id: 'StatusResponse' });
export type StatusResponse = z.infer<typeof StatusResponse>;

export const DoneResult = z
  .object({
    job_id: z.uuid(),
    status: z.literal('done'),
    description: z.string(),
    _generated_by: z.string().describe('"openai:<model>" or "depict-analyzer@<version>".'),
    details: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    completed_at: z.string(),
  })
  .meta({ id: 'DoneResult' });

export const FailedResult = z
  .object({
    job_id: z.uuid(),
    status: z.literal('failed'),
    error: JobError,
    created_at: z.string(),
    completed_at: z.string(),
  })
  .meta({ id: 'FailedResult' });

export const PendingResult = z
  .object({
    job_id: z.uuid(),
    status: z.enum(['queued', 'processing']),
  })
  .meta({ id: 'PendingResult', description: 'Answered with 202 and Retry-After.' });

export const ResultResponse = z.discriminatedUnion('status', [DoneResult, FailedResult, PendingResult]);
export type ResultResponse = z.infer<typeof ResultResponse>;

/** Seconds a client should wait before asking again for an unfinished result. */
export const RESULT_RETRY_AFTER_S = 1;
