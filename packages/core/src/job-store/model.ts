import type { Insertable, Selectable } from 'kysely';
import { JobOptions, type Attempt, type WebhookState } from '@depict/contract';
import type { JobAttemptsTable, JobsTable } from '../database.js';
import type { Description } from '@depict/contract';
import type { JobError } from '@depict/contract';
import type { JobStatus } from '@depict/contract';

/** What the server records when it accepts an upload. */
export interface NewJob {
  readonly jobId: string;
  readonly filename: string | null;
  readonly mediaType: string;
  readonly byteSize: number;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  /** Who may see the job: a hash of the API key that created it, or null. */
  readonly owner: string | null;
  readonly options: JobOptions;
  /** Where to POST the result when the job ends, if anywhere. */
  readonly webhookUrl?: string | null;
}

/** A stored job: what was uploaded, and how far it has got. */
export interface Job extends NewJob {
  readonly status: JobStatus;
  readonly description: string | null;
  readonly generatedBy: string | null;
  readonly details: Record<string, unknown> | null;
  readonly error: JobError | null;
  /** Takes so far, over the job's whole life (retries included). */
  readonly attempts: number;
  /** `attempts` when the job was last retried: MAX_ATTEMPTS counts from here. */
  readonly attemptsBase: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly leaseUntil: string | null;
  readonly webhook: WebhookState | null;
}

/** A finished description, as a describer returns it. */
export type Completion = Description;

/** The states a job ends in. */
export const FINISHED: JobStatus[] = ['done', 'failed', 'canceled'];

/** A stored error_code / error_message pair, as the JobError clients see. */
export const storedError = (row: { error_code: string | null; error_message: string | null }): JobError | null =>
  row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' };

export function toJob(row: Selectable<JobsTable>): Job {
  return {
    jobId: row.job_id,
    status: row.status,
    filename: row.filename,
    mediaType: row.media_type,
    byteSize: Number(row.byte_size),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    description: row.description,
    generatedBy: row.generated_by,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    error: storedError(row),
    attempts: row.attempts,
    attemptsBase: row.attempts_base,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    leaseUntil: row.lease_until,
    owner: row.owner,
    options: JobOptions.parse(row.options === null ? {} : JSON.parse(row.options)),
    webhook: row.webhook === null ? null : (JSON.parse(row.webhook) as WebhookState),
  };
}

export function toAttempt(row: Selectable<JobAttemptsTable>): Attempt {
  return {
    attempt: row.attempt,
    started_at: row.started_at,
    finished_at: row.finished_at,
    outcome: row.outcome,
    error: storedError(row),
    describer: row.describer,
    model_calls: row.model_calls,
  };
}

export const newWebhook = (url: string): WebhookState => ({ url, attempts: 0, delivered_at: null, last_status: null, last_error: null });

/** The row of a job just accepted: queued, nothing described yet. */
export function newRow(job: NewJob, at: string): Insertable<JobsTable> {
  return {
    job_id: job.jobId,
    status: 'queued',
    filename: job.filename,
    media_type: job.mediaType,
    byte_size: job.byteSize,
    sha256: job.sha256,
    width: job.width,
    height: job.height,
    description: null,
    generated_by: null,
    details: null,
    error_code: null,
    error_message: null,
    attempts: 0,
    created_at: at,
    updated_at: at,
    started_at: null,
    finished_at: null,
    lease_until: null,
    owner: job.owner,
    options: JSON.stringify(job.options),
    webhook: job.webhookUrl ? JSON.stringify(newWebhook(job.webhookUrl)) : null,
  };
}
