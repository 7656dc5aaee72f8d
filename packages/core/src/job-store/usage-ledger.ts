import { sql } from 'kysely';
import { UsageSchema, type Usage } from '@depict/contract';
import type { Db, StoreContext } from './context.js';

/** One UTC day's spending of one owner. */
export interface UsageDay {
  readonly day: string;
  readonly jobs: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Null when no job of the day had prices set. */
  readonly costUsd: number | null;
}

/** The ledger's key for a job's owner: '' stands for "no API keys", as NULL would not be unique. */
const ledgerOwner = (owner: string | null) => owner ?? '';

/** The usage a describer reported in its details, when it reported one (the vision model does). */
export function usageOf(details: Record<string, unknown>): Usage | undefined {
  const parsed = UsageSchema.safeParse(details.usage);
  return parsed.success ? parsed.data : undefined;
}

/** Add a finished job's tokens and cost to its owner's day, in the transaction that finishes it. */
export async function recordUsage(trx: Db, owner: string | null, finishedAt: string, usage: Usage): Promise<void> {
  const cost = usage.cost_usd ?? null;
  await trx
    .insertInto('usage_days')
    .values({
      owner: ledgerOwner(owner),
      day: finishedAt.slice(0, 10),
      jobs: 1,
      input_tokens: usage.input_tokens,
      output_tokens: usage.output_tokens,
      cost_usd: cost,
    })
    .onConflict((oc) =>
      oc.columns(['owner', 'day']).doUpdateSet({
        jobs: sql`usage_days.jobs + 1`,
        input_tokens: sql`usage_days.input_tokens + excluded.input_tokens`,
        output_tokens: sql`usage_days.output_tokens + excluded.output_tokens`,
        cost_usd: sql`case when excluded.cost_usd is null then usage_days.cost_usd else coalesce(usage_days.cost_usd, 0) + excluded.cost_usd end`,
      }),
    )
    .execute();
}

/** An owner's days from `fromDay` (YYYY-MM-DD, UTC) on, newest first; null: every owner, summed. */
export async function usageDays(s: StoreContext, owner: string | null, fromDay: string): Promise<UsageDay[]> {
  let query = s.db
    .selectFrom('usage_days')
    .select((eb) => [
      'day',
      eb.fn.sum<number | string>('jobs').as('jobs'),
      eb.fn.sum<number | string>('input_tokens').as('input_tokens'),
      eb.fn.sum<number | string>('output_tokens').as('output_tokens'),
      eb.fn.sum<number | string | null>('cost_usd').as('cost_usd'),
    ])
    .where('day', '>=', fromDay)
    .groupBy('day')
    .orderBy('day', 'desc');
  if (owner !== null) query = query.where('owner', '=', ledgerOwner(owner));
  const rows = await query.execute();
  return rows.map((r) => ({
    day: r.day,
    jobs: Number(r.jobs),
    inputTokens: Number(r.input_tokens),
    outputTokens: Number(r.output_tokens),
    costUsd: r.cost_usd === null ? null : Math.round(Number(r.cost_usd) * 1e8) / 1e8,
  }));
}

/** Tokens an owner has spent on a UTC day (for KEY_DAILY_TOKEN_LIMIT). */
export async function tokensOn(s: StoreContext, owner: string | null, day: string): Promise<number> {
  const row = await s.db
    .selectFrom('usage_days')
    .select(['input_tokens', 'output_tokens'])
    .where('owner', '=', ledgerOwner(owner))
    .where('day', '=', day)
    .executeTakeFirst();
  return row ? Number(row.input_tokens) + Number(row.output_tokens) : 0;
}
