import { z } from 'zod';
import { UsageSchema, VisionDetailsSchema } from './vision-schema.js';
import { JobError } from './errors.js';
import { JobStatus } from './job-status.js';
import { AnalysisSchema } from './analysis-schema.js';
import { documentedOnly } from './documented-schema.js';

/** The wire shapes of the HTTP and tRPC API. Types come from here, so they cannot drift. */

export const JobId = z
  .string()
  .min(1)
  .max(100)
  .describe('The id returned by submit (a UUID).');

export const JobIdInput = z.object({ job_id: JobId });

export const StatusInput = JobIdInput.extend({
  wait: z.coerce
    .number()
    .min(0)
    .max(60)
    .optional()
    .describe('Long poll: wait up to this many seconds for the next state change.'),
});

export const SubmitResponse = z
  .object({
    job_id: z.uuid(),
    status: JobStatus.describe('queued for a new job; done when the content cache answered; any state when an Idempotency-Key replays an earlier submit.'),
    status_url: z.string().describe('Relative URL of GET /status/{job_id}.'),
    result_url: z.string().describe('Relative URL of GET /result/{job_id}.'),
  })
  .meta({ id: 'SubmitResponse' });
export type SubmitResponse = z.infer<typeof SubmitResponse>;

/** A job's webhook and how its delivery went. */
export const WebhookState = z
  .object({
    url: z.string(),
    attempts: z.number().describe('Delivery attempts so far.'),
    delivered_at: z.string().nullable(),
    last_status: z.number().nullable().describe('HTTP status of the last attempt; null if it got no answer.'),
    last_error: z.string().nullable(),
  })
  .meta({ id: 'WebhookState' });
export type WebhookState = z.infer<typeof WebhookState>;

/** One attempt at a job: the dead-letter history. */
export const Attempt = z
  .object({
    attempt: z.number().int().describe('1 for the first take; retries and redeliveries count on.'),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    outcome: z
      .enum(['done', 'failed', 'abandoned'])
      .nullable()
      .describe('null while running; abandoned: its worker stopped answering and the job was taken again.'),
    error: JobError.nullable(),
    describer: z.string().nullable(),
    model_calls: z
      .number()
      .int()
      .describe('Requests this attempt sent to the vision model, retries included; more than one attempt with calls means the model was paid twice.'),
  })
  .meta({ id: 'Attempt' });
export type Attempt = z.infer<typeof Attempt>;

/** What status and a failed result carry besides the state: the job's attempts. */
export const JobDetails = z.object({ attempts: z.array(Attempt) }).meta({ id: 'JobDetails' });

export const StatusResponse = z
  .object({
    job_id: z.uuid(),
    status: JobStatus,
    created_at: z.string().describe('ISO 8601, UTC.'),
    updated_at: z.string().describe('ISO 8601, UTC.'),
    filename: z.string().optional().describe("The file name the upload carried, or the last segment of the image URL's path; absent when there was none."),
    error: JobError.optional(),
    webhook: WebhookState.optional(),
    details: JobDetails.optional().describe('Every attempt at the job (on /status; not in list pages or watch events).'),
  })
  .meta({ id: 'StatusResponse' });
export type StatusResponse = z.infer<typeof StatusResponse>;

/**
 * A done job's details: the describer's facts, then `attempts`. The analyzer's and the
 * model's facts are documented, not enforced (documented-schema.ts): a result stored by
 * an older version is served as it was written, and a key not listed here passes too.
 */
export const DoneDetails = z
  .looseObject({
    analysis: documentedOnly(AnalysisSchema, 'Analysis')
      .optional()
      .describe(
        'What the offline analyzer measured. With the vision model too: the cheap measured facts (format, size, camera, palette, light), OCR off.',
      ),
    language_note: z.string().optional().describe('Why the description is not in the language asked for (the analyzer writes English).'),
    fallback_reason: documentedOnly(z.object({ code: z.string(), message: z.string() }), 'FallbackReason')
      .optional()
      .describe('Why the analyzer stood in for the vision model (OPENAI_FALLBACK=analyzer).'),
    model: z.string().optional().describe('The vision model that answered.'),
    usage: documentedOnly(UsageSchema, 'Usage')
      .optional()
      .describe('Tokens of every call to the vision model for this job, and their cost when prices are set.'),
    vision: documentedOnly(VisionDetailsSchema, 'VisionDetails')
      .optional()
      .describe("The vision model's structured answer (caption, alt text, tags, objects, text, people, content flags), how it was asked for, and what image was sent."),
    cached_from: z.string().optional().describe('The job whose description this one reuses (the content cache).'),
    attempts: z.array(Attempt).optional().describe('Every attempt at the job, as in JobDetails.'),
  })
  .meta({ id: 'DoneDetails' });
export type DoneDetails = z.infer<typeof DoneDetails>;

export const DoneResult = z
  .object({
    job_id: z.uuid(),
    status: z.literal('done'),
    description: z.string(),
    _generated_by: z.string().describe('"openai:<model>" or "depict-analyzer@<version>".'),
    details: DoneDetails,
    created_at: z.string(),
    completed_at: z.string(),
  })
  .meta({ id: 'DoneResult' });
export type DoneResult = z.infer<typeof DoneResult>;

export const FailedResult = z
  .object({
    job_id: z.uuid(),
    status: z.literal('failed'),
    error: JobError,
    details: JobDetails.optional(),
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

export const CanceledResult = z
  .object({
    job_id: z.uuid(),
    status: z.literal('canceled'),
    created_at: z.string(),
    completed_at: z.string(),
  })
  .meta({ id: 'CanceledResult' });

export const ResultResponse = z.discriminatedUnion('status', [DoneResult, FailedResult, CanceledResult, PendingResult]);
export type ResultResponse = z.infer<typeof ResultResponse>;

/** Seconds a client should wait before asking again for an unfinished result. */
export const RESULT_RETRY_AFTER_S = 1;

/** What a job may ask of its describer; multipart fields on POST /submit. */
export const JobOptions = z
  .object({
    length: z
      .enum(['alt', 'normal', 'detailed'])
      .default('normal')
      .describe('alt: alt text of at most 125 characters; normal: a short paragraph; detailed: everything.'),
    language: z
      .string()
      .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a BCP 47 language tag such as "en" or "pt-BR"')
      .optional()
      .describe('The language to describe in (the vision model); the offline analyzer writes English.'),
    prompt: z.string().trim().min(1).max(1000).optional().describe('An extra instruction for the vision model.'),
    detail: z.enum(['low', 'high', 'auto']).default('auto').describe("The vision API's image detail."),
  })
  .meta({ id: 'JobOptions' });
export type JobOptions = z.infer<typeof JobOptions>;

export const ListInput = z.object({
  status: JobStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().describe('next_cursor from the previous page.'),
});

export const ListResponse = z
  .object({
    items: z.array(StatusResponse),
    next_cursor: z.string().nullable().describe('null on the last page.'),
  })
  .meta({ id: 'ListResponse' });
export type ListResponse = z.infer<typeof ListResponse>;

export const DeleteResponse = z
  .object({
    job_id: z.string(),
    status: JobStatus,
    deleted: z.boolean().describe('true: a finished job was deleted with its data (HTTP 204); false: a queued job was canceled (200).'),
  })
  .meta({ id: 'DeleteResponse' });
export type DeleteResponse = z.infer<typeof DeleteResponse>;

/** How many UTC days of vision model spending /stats lists. */
export const USAGE_DAYS = 31;

export const UsageDay = z
  .object({
    date: z.string().describe('The UTC day, YYYY-MM-DD.'),
    jobs: z.number().int().describe('Jobs the vision model described that day.'),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    total_tokens: z.number().int(),
    cost_usd: z.number().nullable().describe('Null unless OPENAI_PRICE_INPUT_PER_MTOK and OPENAI_PRICE_OUTPUT_PER_MTOK were set.'),
  })
  .meta({ id: 'UsageDay' });

export const UsageStats = z
  .object({
    days: z.array(UsageDay).describe(`The caller's key's spending on the vision model, per UTC day, newest first, the last ${USAGE_DAYS} days; days without any are left out.`),
    tokens_today: z.number().int().describe('Input and output tokens spent today (UTC).'),
    daily_token_limit: z.number().int().nullable().describe('KEY_DAILY_TOKEN_LIMIT; null: no limit.'),
    resets_at: z.string().describe('When today ends and the daily limit starts afresh: the next midnight, UTC, ISO 8601.'),
  })
  .meta({ id: 'UsageStats' });

export const StatsResponse = z
  .object({
    counts: z.record(z.string(), z.number()).describe('Jobs by status.'),
    queue_ms_p50: z.number().nullable().describe('Median time from submit to processing, over the last finished jobs.'),
    processing_ms_p50: z.number().nullable().describe('Median time from processing to done, over the same jobs.'),
    sample: z.number().describe('How many finished jobs the medians are over.'),
    usage: UsageStats,
  })
  .meta({ id: 'StatsResponse' });
export type StatsResponse = z.infer<typeof StatsResponse>;

/** How long an Idempotency-Key keeps answering with the job it created. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/** POST /submit with several files: one entry per file, in order. */
export const BatchSubmitResponse = z
  .object({
    jobs: z.array(
      z.union([
        SubmitResponse,
        z.object({ filename: z.string().nullable(), error: z.object({ code: z.string(), message: z.string() }) }),
      ]),
    ),
  })
  .meta({ id: 'BatchSubmitResponse' });
export type BatchSubmitResponse = z.infer<typeof BatchSubmitResponse>;

/** POST /jobs/retry: which dead letters to queue again. */
export const RetryManyInput = z.object({
  status: z.literal('failed').default('failed').describe('Only failed jobs can be retried.'),
  since: z.iso.datetime({ offset: true }).optional().describe('Only jobs that failed at or after this time (ISO 8601).'),
  error_code: z.string().max(100).optional().describe('Only jobs that failed with this error code.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const RetryManyResponse = z
  .object({
    retried: z.number().int().describe('Jobs queued again.'),
    job_ids: z.array(z.string()),
    upload_gone: z
      .number()
      .int()
      .describe('Matching jobs whose upload was already removed (FAILED_RETENTION_HOURS); they cannot be retried.'),
  })
  .meta({ id: 'RetryManyResponse' });
export type RetryManyResponse = z.infer<typeof RetryManyResponse>;
