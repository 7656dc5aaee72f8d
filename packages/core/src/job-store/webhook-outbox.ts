import type { WebhookState } from '@depict/contract';
import { limitOf, nowIso, type StoreContext } from './context.js';

/**
 * The webhook outbox: a finished job with a callback_url is due for delivery
 * (webhook_due_at), and workers take deliveries by compare-and-set on that time, so
 * each is attempted by one worker at a time and a stopped worker's are made by others.
 */

/** Jobs whose webhook may be attempted now, the longest waiting first. */
export async function dueWebhooks(s: StoreContext, limit: number): Promise<Array<{ jobId: string; dueAt: string }>> {
  const rows = await s.db
    .selectFrom('jobs')
    .select(['job_id', 'webhook_due_at'])
    .where('webhook_due_at', '<=', nowIso(s))
    .orderBy('webhook_due_at')
    .limit(limitOf(limit))
    .execute();
  return rows.map((r) => ({ jobId: r.job_id, dueAt: r.webhook_due_at! }));
}

/**
 * Take the delivery of a job's webhook until `until`: a compare-and-set on the due
 * time just read, so of several workers exactly one gets it. Should the holder stop,
 * the delivery is due again at `until`, for anyone.
 */
export async function claimWebhook(s: StoreContext, jobId: string, dueAt: string, until: string): Promise<boolean> {
  const res = await s.db
    .updateTable('jobs')
    .set({ webhook_due_at: until })
    .where('job_id', '=', jobId)
    .where('webhook_due_at', '=', dueAt)
    .executeTakeFirst();
  return res.numUpdatedRows === 1n;
}

/**
 * Record how a webhook delivery went, and when to try again (null: delivered, or
 * given up). Only while `heldUntil` is still the job's due time, that is while the
 * caller's claim holds: false, and nothing written, when the job was retried meanwhile.
 */
export async function saveWebhook(
  s: StoreContext,
  jobId: string,
  state: WebhookState | null,
  next: { heldUntil: string; dueAt: string | null },
): Promise<boolean> {
  const res = await s.db
    .updateTable('jobs')
    .set({ webhook: state === null ? null : JSON.stringify(state), webhook_due_at: next.dueAt })
    .where('job_id', '=', jobId)
    .where('webhook_due_at', '=', next.heldUntil)
    .executeTakeFirst();
  return res.numUpdatedRows === 1n;
}
