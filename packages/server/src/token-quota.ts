import { DepictError } from '@depict/contract';
import type { AppDeps } from './deps.js';
import { nextUtcMidnight, utcDay } from './job-stats.js';

/**
 * KEY_DAILY_TOKEN_LIMIT: a key that has spent its tokens for the day (UTC) gets 429
 * quota_exceeded at submit, before its upload is read, until midnight UTC. Without API
 * keys the server's callers share one allowance. Tokens are counted when a job is
 * described, so the jobs accepted before the limit was reached may take a day past it.
 */
export async function checkTokenQuota(deps: Pick<AppDeps, 'config' | 'store'>, owner: string | null, now = new Date()): Promise<void> {
  const limit = deps.config.keyDailyTokenLimit;
  if (limit === undefined) return;
  const spent = await deps.store.tokensOn(owner, utcDay(now));
  if (spent < limit) return;
  const resets = nextUtcMidnight(now);
  throw new DepictError(
    'quota_exceeded',
    `This key has used ${spent} of its ${limit} vision tokens for today (KEY_DAILY_TOKEN_LIMIT); it may submit again after ${resets.toISOString()}.`,
    { retryAfterS: Math.max(1, Math.ceil((resets.getTime() - now.getTime()) / 1000)) },
  );
}
