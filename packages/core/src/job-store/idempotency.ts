import { nowIso, type StoreContext } from './context.js';

/** Idempotency keys: which job a client's key made, and from what request. */

/**
 * Claim an idempotency key for a new job. Returns undefined when the key is new (or
 * its claim is older than `since`, and is replaced); otherwise the earlier claim.
 */
export async function claimIdempotencyKey(
  s: StoreContext,
  claim: { scopedKey: string; requestHash: string; jobId: string; since: string },
): Promise<{ requestHash: string; jobId: string } | undefined> {
  const existing = await s.db.selectFrom('idempotency_keys').selectAll().where('scoped_key', '=', claim.scopedKey).executeTakeFirst();
  if (existing && existing.created_at >= claim.since) return { requestHash: existing.request_hash, jobId: existing.job_id };
  if (existing) await s.db.deleteFrom('idempotency_keys').where('scoped_key', '=', claim.scopedKey).execute();
  try {
    await s.db
      .insertInto('idempotency_keys')
      .values({ scoped_key: claim.scopedKey, request_hash: claim.requestHash, job_id: claim.jobId, created_at: nowIso(s) })
      .execute();
    return undefined;
  } catch (err) {
    // Another request with the same key won the race: answer with its claim.
    const winner = await s.db.selectFrom('idempotency_keys').selectAll().where('scoped_key', '=', claim.scopedKey).executeTakeFirst();
    if (!winner) throw err;
    return { requestHash: winner.request_hash, jobId: winner.job_id };
  }
}

export async function releaseIdempotencyKey(s: StoreContext, scopedKey: string): Promise<void> {
  await s.db.deleteFrom('idempotency_keys').where('scoped_key', '=', scopedKey).execute();
}

/** Forget idempotency keys claimed before `before`. */
export async function purgeIdempotencyKeys(s: StoreContext, before: string): Promise<void> {
  await s.db.deleteFrom('idempotency_keys').where('created_at', '<', before).execute();
}
