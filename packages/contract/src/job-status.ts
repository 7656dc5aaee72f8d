import { z } from 'zod';

/** Every state a job can be in. A job only moves forward along STATUS_FLOW. */
export const JOB_STATUSES = ['queued', 'processing', 'done', 'failed', 'canceled'] as const;
export const JobStatus = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof JobStatus>;

export const TERMINAL_STATUSES: readonly JobStatus[] = ['done', 'failed', 'canceled'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
